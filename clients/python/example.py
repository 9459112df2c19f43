"""Remember two facts, then search and build prompt context.

    AGENTMEM_URL=http://127.0.0.1:5080 AGENTMEM_KEY=am_... python3 example.py
"""

import os

from agentmem_client import AgentMemClient

client = AgentMemClient(os.environ.get("AGENTMEM_URL", "http://127.0.0.1:5080"), os.environ.get("AGENTMEM_KEY"))
client.add_batch([{"text": "Caroline went to an LGBTQ support group", "actor": "Caroline"},
                  {"text": "Melanie paints sunsets", "actor": "Melanie"}], cube="example")

for hit in client.search("support group", cube="example", k=3)["hits"]:
    print(f"{hit['rank']}. {hit['score']:.3f} {hit['memory']['text']}")

print(client.context("What do Caroline and Melanie do?", cube="example", budget=200)["text"])
