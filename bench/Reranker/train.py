#!/usr/bin/env python3
"""Trains the hybrid retriever's reranker (src/Retrieval/Hybrid/Reranking) from features `agentmem bench ... --rerank-features`
wrote: a linear term plus one hidden layer of rectified units over standardised features, fitted with a listwise softmax
cross-entropy per question (the target spreads evenly over the question's gold candidates), Adam, L2, a fixed seed.
Only numpy. Prints recall@10 of the fused order and of the model on the training and held-out conversations, and with
--cv the leave-one-conversation-out recall within the training conversations (how the settings were chosen)."""
import argparse, json, sys
import numpy as np


def parse_positions(spec):
    out = set()
    for part in spec.split(','):
        a, _, b = part.partition('-')
        out.update(range(int(a), int(b or a) + 1))
    return out


def adversarial(q):
    # The writer says so for every dataset; a file written before it did is LoCoMo's, whose category 5 is adversarial
    # (filtering every file by LoCoMo's categories 1-4 dropped all questions of the datasets whose categories are names).
    return q['adversarial'] if 'adversarial' in q else q['category'] not in ('1', '2', '3', '4')


def load(path, names):
    questions = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            q = json.loads(line)
            if adversarial(q) or not q['gold'] or not q['candidates']:
                continue
            gold = set(q['gold'])
            x = np.array([[c['features'].get(n, 0.0) for n in names] for c in q['candidates']], dtype=np.float64)
            y = np.array([1.0 if any(t in gold for t in c['turns']) else 0.0 for c in q['candidates']])
            # Each candidate's gold turns: two candidates holding one gold turn (copies of a repeated answer session,
            # which the writer labels as the turn they repeat) find it once, as bench counts it.
            found = [[t for t in c['turns'] if t in gold] for c in q['candidates']]
            questions.append(dict(conv=q['conversation'], cat=q['category'], x=x, y=y, found=found, gold=len(gold)))
    return questions


def train(questions, hidden, l2, epochs, seed, lr=0.003):
    rng = np.random.default_rng(seed)
    xs = np.concatenate([q['x'] for q in questions])
    mean, scale = xs.mean(0), xs.std(0) + 1e-6
    d = xs.shape[1]
    h = max(hidden, 1)
    params = [rng.normal(0, 0.1, (d, h)), np.zeros(h), rng.normal(0, 0.1, h) * (hidden > 0), np.zeros(d)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    order = list(range(len(questions)))
    step = 0
    for _ in range(epochs):
        rng.shuffle(order)
        for k in order:
            q = questions[k]
            if q['y'].sum() == 0:
                continue
            x = (q['x'] - mean) / scale
            w1, b1, w2, w0 = params
            a = np.maximum(0, x @ w1 + b1)
            s = a @ w2 + x @ w0
            p = np.exp(s - s.max())
            p /= p.sum()
            g = p - q['y'] / q['y'].sum()
            ga = np.outer(g, w2) * (a > 0)
            grads = [x.T @ ga + l2 * w1, ga.sum(0), a.T @ g + l2 * w2, x.T @ g + l2 * w0]
            if hidden == 0:
                grads[0] *= 0; grads[1] *= 0; grads[2] *= 0
            step += 1
            for i, (param, grad) in enumerate(zip(params, grads)):
                m[i] = 0.9 * m[i] + 0.1 * grad
                v[i] = 0.999 * v[i] + 0.001 * grad * grad
                param -= lr * (m[i] / (1 - 0.9 ** step)) / (np.sqrt(v[i] / (1 - 0.999 ** step)) + 1e-8)
    return mean, scale, params, hidden


def score(model, x):
    mean, scale, (w1, b1, w2, w0), hidden = model
    z = (x - mean) / scale
    s = z @ w0
    if hidden > 0:
        s = s + np.maximum(0, z @ w1 + b1) @ w2
    return s


def recall(questions, scorer, k=10):
    per = {}
    for q in questions:
        s = scorer(q)
        top = np.argsort(-s, kind='stable')[:k]
        per.setdefault(q['cat'], []).append(len({t for i in top for t in q['found'][i]}) / q['gold'])
    every = [r for rs in per.values() for r in rs]
    return float(np.mean(every)) if every else float('nan'), {c: round(float(np.mean(r)), 3) for c, r in sorted(per.items())}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('features', help='JSON lines from agentmem bench --rerank-features')
    ap.add_argument('--train', default='1-5', help='conversations (1-based positions) to fit on; the rest are held out')
    ap.add_argument('--hidden', type=int, default=16)
    ap.add_argument('--l2', type=float, default=0.01)
    ap.add_argument('--epochs', type=int, default=10)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--cv', action='store_true', help='also report leave-one-conversation-out recall within --train')
    ap.add_argument('--name', default='reranker')
    ap.add_argument('--out', help='write the model here (JSON)')
    a = ap.parse_args()

    with open(a.features, encoding='utf-8') as f:
        first = json.loads(f.readline())
    names = list(next(c['features'] for c in first['candidates']).keys())
    questions = load(a.features, names)
    fit_on = parse_positions(a.train)
    train_set = [q for q in questions if q['conv'] in fit_on]
    held_out = [q for q in questions if q['conv'] not in fit_on]
    hybrid = names.index('hybrid')
    fused = lambda q: q['x'][:, hybrid]
    print(f'{len(train_set)} training questions (conversations {a.train}), {len(held_out)} held out; {len(names)} features')
    if a.cv:
        folds = []
        for conv in sorted(fit_on):
            inner = [q for q in train_set if q['conv'] != conv]
            test = [q for q in train_set if q['conv'] == conv]
            if inner and test:
                model = train(inner, a.hidden, a.l2, a.epochs, a.seed)
                folds.append((recall(test, lambda q: score(model, q['x'])), recall(test, fused)))
        print('cv (leave one conversation out): model R@10 %.4f vs fused %.4f' % (np.mean([f[0][0] for f in folds]), np.mean([f[1][0] for f in folds])))
    model = train(train_set, a.hidden, a.l2, a.epochs, a.seed)
    for label, qs in (('training', train_set), ('held out', held_out)):
        if qs:
            print(f'{label:9} fused R@10 %.4f %s' % recall(qs, fused))
            print(f'{label:9} model R@10 %.4f %s' % recall(qs, lambda q: score(model, q['x'])))
    if a.out:
        mean, scale, (w1, b1, w2, w0), hidden = model
        doc = {
            'name': a.name,
            'trainedOn': f'{a.features.split("/")[-1]} conversations {a.train}; hidden {a.hidden}, l2 {a.l2}, epochs {a.epochs}, seed {a.seed}',
            'features': names,
            'mean': [round(float(x), 7) for x in mean],
            'scale': [round(float(x), 7) for x in scale],
            'linear': [round(float(x), 7) for x in w0],
            'hidden': [[round(float(x), 7) for x in w1[:, j]] for j in range(w1.shape[1])] if hidden > 0 else [],
            'hiddenBias': [round(float(x), 7) for x in b1] if hidden > 0 else [],
            'output': [round(float(x), 7) for x in w2] if hidden > 0 else [],
        }
        with open(a.out, 'w', encoding='utf-8') as f:
            json.dump(doc, f, indent=1)
            f.write('\n')
        print('wrote', a.out)


if __name__ == '__main__':
    sys.exit(main())
