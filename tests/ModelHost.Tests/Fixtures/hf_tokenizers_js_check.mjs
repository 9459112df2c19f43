// Manual cross-check of ByteLevelBpeTokenizer against Hugging Face's own JavaScript tokenizer (@huggingface/tokenizers):
//   AGENTMEM_DUMP_TOKENIZERS=/tmp/tok dotnet test tests/ModelHost.Tests --filter "FullyQualifiedName~Round_trips"
//   npm install --prefix /tmp/tokjs @huggingface/tokenizers
//   NODE_PATH=/tmp/tokjs/node_modules node tests/ModelHost.Tests/Fixtures/hf_tokenizers_js_check.mjs /tmp/tok
// For each STYLE.tokenizer.json it encodes the texts of STYLE.expected.json and reports any id sequence that differs.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(path.join(process.env.NODE_PATH ?? process.cwd(), "x.js"));
const mod = await import(require.resolve("@huggingface/tokenizers"));
const Tokenizer = mod.Tokenizer ?? mod.default.Tokenizer;
const dir = process.argv[2];
let failures = 0;
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".tokenizer.json"))) {
  const style = file.replace(".tokenizer.json", "");
  const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")), {});
  const cases = JSON.parse(fs.readFileSync(path.join(dir, `${style}.expected.json`), "utf8"));
  let same = 0;
  for (const { text, ids } of cases) {
    const theirs = tokenizer.encode(text, { add_special_tokens: false }).ids;
    if (JSON.stringify(theirs) === JSON.stringify(ids)) {
      same++;
    } else {
      failures++;
      console.log(`${style}: ${JSON.stringify(text)}\n  ours   ${JSON.stringify(ids)}\n  theirs ${JSON.stringify(theirs)}`);
    }
  }
  console.log(`${style}: ${same}/${cases.length} identical`);
}
process.exit(failures === 0 ? 0 : 1);
