// Remember two facts, then search and build prompt context. Run against a service:
//   AGENTMEM_URL=http://127.0.0.1:5080 AGENTMEM_KEY=am_... npm run build && npm run example
import { createAgentMemClient, unwrap } from "../src/index.js";

const client = createAgentMemClient({ baseUrl: process.env.AGENTMEM_URL ?? "http://127.0.0.1:5080", apiKey: process.env.AGENTMEM_KEY });

unwrap(await client.POST("/v1/memories/batch", {
  body: { cube: "example", items: [{ text: "Caroline went to an LGBTQ support group", actor: "Caroline" }, { text: "Melanie paints sunsets", actor: "Melanie" }] },
}));

const found = unwrap(await client.POST("/v1/search", { body: { cube: "example", query: "support group", k: 3 } }));
for (const hit of found.hits) {
  console.log(`${hit.rank}. ${hit.score.toFixed(3)} ${hit.memory.text}`);
}

const context = unwrap(await client.POST("/v1/context", { body: { cube: "example", query: "What do Caroline and Melanie do?", budget: 200 } }));
console.log(context.text);
