# Regenerates oracle_logits_stories260K.json from the numpy reference forward pass.
# From the repository root:
#   /usr/bin/python3 tests/ModelHost.Tests/Fixtures/make_oracle_logits.py > tests/ModelHost.Tests/Fixtures/oracle_logits_stories260K.json
# It keeps every 8th logit at a few greedy steps from BOS, so the test needs neither python nor numpy.
import json, os, subprocess, sys, tempfile
import numpy as np
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
shared = os.path.join(root, '..', 'shared')
model = os.path.join(shared, 'models', 'stories260K', 'stories260K.bin')
tok = os.path.join(shared, 'models', 'stories260K', 'tok512.bin')
positions = [0, 1, 2, 10, 50, 120, 199]
with tempfile.TemporaryDirectory() as d:
    out = os.path.join(d, 'logits.bin')
    subprocess.run([sys.executable, os.path.join(shared, 'tools', 'llama2c_reference_forward.py'), model, tok, str(max(positions) + 1), out],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    logits = np.fromfile(out, dtype='<f4').reshape(-1, 512)
rows = [{'position': p, 'argmax': int(np.argmax(logits[p])), 'stride': 8,
         'values': [float(repr_v) for repr_v in logits[p][::8].tolist()]} for p in positions]
json.dump({'model': 'stories260K.bin', 'source': 'shared/tools/llama2c_reference_forward.py, greedy from BOS', 'rows': rows}, sys.stdout, indent=1)
print()
