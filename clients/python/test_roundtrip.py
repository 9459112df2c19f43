"""Round trip against a running service (.ci/clients starts one): AGENTMEM_URL and AGENTMEM_KEY name it.

The steps share state through the class and run in name order (unittest sorts them), hence the numbers.
    AGENTMEM_URL=... AGENTMEM_KEY=... python3 -m unittest -v test_roundtrip
"""

import inspect
import json
import os
import random
import time
import unittest
import urllib.request

from agentmem_client import _MEMORY_CHANGE_MEMBERS, _NEW_MEMORY_MEMBERS, _POLICY_MEMBERS, OPERATIONS, AgentMemClient, AgentMemError

BASE_URL = os.environ.get("AGENTMEM_URL")
API_KEY = os.environ.get("AGENTMEM_KEY")
if not BASE_URL or not API_KEY:
    raise RuntimeError("Set AGENTMEM_URL and AGENTMEM_KEY to a running service and one of its keys (.ci/clients does).")


class RoundTrip(unittest.TestCase):
    client = AgentMemClient(BASE_URL, API_KEY)
    # A cube of its own per run, so a reused database never mixes runs.
    cube = f"py-roundtrip-{int(time.time() * 1000)}-{random.randrange(10**6)}"
    memory_id = ""

    def test_00_client_covers_every_operation_of_the_document(self):
        with urllib.request.urlopen(BASE_URL.rstrip("/") + "/openapi/v1.json", timeout=30) as response:
            document = json.load(response)
        ids = {op["operationId"] for item in document["paths"].values() for op in item.values() if isinstance(op, dict) and "operationId" in op}
        self.assertEqual(ids, set(OPERATIONS))
        for method in OPERATIONS.values():
            self.assertTrue(callable(getattr(AgentMemClient, method, None)), method)

    def test_00_every_query_parameter_has_a_method_parameter(self):
        with urllib.request.urlopen(BASE_URL.rstrip("/") + "/openapi/v1.json", timeout=30) as response:
            document = json.load(response)
        # Where the method's parameter is named otherwise, and DeleteMemory's `purge`, which is the method purge().
        renamed = {"memory": "memory_id"}
        for item in document["paths"].values():
            for op in item.values():
                if not isinstance(op, dict) or "operationId" not in op:
                    continue
                method = getattr(AgentMemClient, OPERATIONS[op["operationId"]])
                taken = set(inspect.signature(method).parameters)
                for parameter in op.get("parameters", []):
                    if parameter["in"] != "query" or (op["operationId"], parameter["name"]) == ("DeleteMemory", "purge"):
                        continue
                    self.assertIn(renamed.get(parameter["name"], parameter["name"]), taken, f"{op['operationId']}: {parameter['name']}")

    def test_00_every_keyword_method_takes_exactly_its_body_members(self):
        with urllib.request.urlopen(BASE_URL.rstrip("/") + "/openapi/v1.json", timeout=30) as response:
            document = json.load(response)
        operations = {op["operationId"]: op for item in document["paths"].values() for op in item.values() if isinstance(op, dict) and "operationId" in op}
        # The members each method takes as parameters of its own; the rest go through its **keywords.
        for operation, own, members in (("AddMemory", {"text", "cube", "user", "agent"}, _NEW_MEMORY_MEMBERS),
                                        ("UpdateMemory", {"user", "agent"}, _MEMORY_CHANGE_MEMBERS),
                                        ("SetCubePolicy", {"user", "agent"}, _POLICY_MEMBERS)):
            reference = operations[operation]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            schema = document["components"]["schemas"][reference.rsplit("/", 1)[-1]]
            self.assertEqual(set(schema["properties"]) - own, members, operation)

    def test_01_health_needs_no_key(self):
        self.assertEqual(AgentMemClient(BASE_URL).health()["status"], "ok")

    def test_02_create_and_list_a_cube(self):
        created = self.client.create_cube(self.cube, description="Python round trip")
        self.assertEqual(self.client.last_status, 201)
        self.assertEqual(created["name"], self.cube)
        self.assertIn(self.cube, [c["name"] for c in self.client.list_cubes()])
        self.assertEqual(self.client.get_cube(created["id"])["name"], self.cube)
        with self.assertRaises(AgentMemError) as taken:
            self.client.create_cube(self.cube)
        self.assertEqual(taken.exception.status, 409)

    def test_03_add_and_deduplicate(self):
        added = self.client.add("Caroline went to an LGBTQ support group", cube=self.cube, actor="Caroline", session="s1", tags=["event"])
        self.assertEqual(self.client.last_status, 201)
        self.assertTrue(added["created"])
        type(self).memory_id = added["id"]
        # The same words from the same speaker: the cube's de-duplication key holds the actor.
        again = self.client.add("Caroline went to an LGBTQ support group", cube=self.cube, actor="Caroline")
        self.assertEqual(self.client.last_status, 200)
        self.assertEqual(again, {"id": self.memory_id, "created": False})

    def test_04_batch_add(self):
        outcomes = self.client.add_batch([{"text": "Melanie paints sunsets", "actor": "Melanie"},
                                          {"text": "Caroline is moving to Sweden", "actor": "Caroline"}], cube=self.cube)
        self.assertEqual(len(outcomes), 2)
        self.assertTrue(all(o["created"] for o in outcomes))

    def test_05_search_with_explain(self):
        found = self.client.search("support group", cube=self.cube, k=3, mode="hybrid", explain=True)
        self.assertEqual(found["retriever"], "hybrid")
        top = found["hits"][0]
        self.assertEqual(top["rank"], 1)
        self.assertEqual(top["memory"]["id"], self.memory_id)
        self.assertTrue(top["components"], "explain gave no score components")

    def test_06_context(self):
        context = self.client.context("What did Caroline do?", cube=self.cube, budget=500)
        self.assertIn(self.memory_id, context["ids"])
        self.assertIn("support group", context["text"])
        self.assertTrue(0 < context["tokens"] <= 500)
        self.assertTrue(context["tokenizer"].startswith("o200k_base"))  # the service's default counter

    def test_07_update_and_history(self):
        updated = self.client.update(self.memory_id, text="Caroline went to two LGBTQ support groups", reason="corrected")
        self.assertEqual(updated["version"], 2)
        history = self.client.history(self.memory_id)
        self.assertEqual([v["version"] for v in history], [1, 2])
        self.assertEqual(history[0]["text"], "Caroline went to an LGBTQ support group")
        self.assertEqual(self.client.get(self.memory_id)["text"], "Caroline went to two LGBTQ support groups")
        # A new text counts as a recall (the forgetting curve starts again), audited after the update.
        self.assertEqual([(a["action"], a["version"]) for a in self.client.audit(self.memory_id)], [("add", 1), ("update", 2), ("recall", 2)])
        links = self.client.links(self.memory_id)
        self.assertEqual((links["id"], links["links"], links["hidden"], links["incoming"]), (self.memory_id, [], 0, []))
        plaintext = self.client.list_memories(self.cube, kind="plaintext")
        self.assertIn(self.memory_id, [m["id"] for m in plaintext])
        self.assertTrue(all(m["kind"] == "plaintext" for m in plaintext))
        self.assertEqual(self.client.list_memories(self.cube, kind="activation"), [])

    def test_08_delete_and_purge(self):
        tombstone = self.client.delete(self.memory_id, reason="round trip")
        self.assertEqual(tombstone["state"], "deleted")
        self.assertIsNone(self.client.purge(self.memory_id))
        self.assertEqual(self.client.last_status, 204)
        with self.assertRaises(AgentMemError) as gone:
            self.client.get(self.memory_id)
        self.assertEqual(gone.exception.status, 404)
        self.assertEqual(gone.exception.problem["status"], 404)

    def test_09_401_without_a_key_and_with_a_wrong_key(self):
        with self.assertRaises(AgentMemError) as anonymous:
            AgentMemClient(BASE_URL).list_cubes()
        self.assertEqual(anonymous.exception.status, 401)
        with self.assertRaises(AgentMemError) as wrong:
            AgentMemClient(BASE_URL, API_KEY + "-wrong").search("x", cube=self.cube)
        self.assertEqual(wrong.exception.status, 401)
        self.assertIn("not valid", wrong.exception.detail)

    def test_10_grants_policy_audit_and_cube_delete(self):
        cube = self.cube + "-gov"
        self.client.create_cube(cube, user="alice")
        granted = self.client.set_grants(cube, [{"user": "bob", "access": "readwrite"}], user="alice")
        self.assertEqual([g["user"] for g in granted["grants"]], ["bob"])
        self.assertEqual(self.client.get_grants(cube, user="bob")["ownerUser"], "alice")
        with self.assertRaises(AgentMemError) as grantee:
            self.client.set_grants(cube, [], user="bob")
        self.assertEqual(grantee.exception.status, 403)

        policy = self.client.set_policy(cube, user="alice", retentionDays=30, hardDeleteAfterDays=365)
        self.assertEqual((policy["retentionDays"], policy["hardDeleteAfterDays"]), (30, 365))
        self.assertEqual(self.client.get_policy(cube, user="bob")["hardDeleteAfterDays"], 365)

        self.client.add("governed note", cube=cube, user="alice")
        self.assertIn("add", [r["action"] for r in self.client.read_audit(cube=cube, user="alice")])
        with self.assertRaises(AgentMemError) as stranger:
            self.client.read_audit(cube=cube, user="carol")
        self.assertEqual(stranger.exception.status, 403)

        with self.assertRaises(AgentMemError) as not_owner:
            self.client.delete_cube(cube, user="bob")
        self.assertEqual(not_owner.exception.status, 403)
        self.assertEqual(self.client.delete_cube(cube, user="alice")["memories"], 1)
        with self.assertRaises(AgentMemError) as gone:
            self.client.get_policy(cube, user="alice")
        self.assertEqual(gone.exception.status, 404)


    def test_11_forget_a_user(self):
        cube = self.cube + "-forget"
        self.client.create_cube(cube)
        self.client.add("erin's secret", cube=cube, user="erin")
        kept = self.client.add("frank's note", cube=cube, user="frank")
        forgot = self.client.forget_user("erin")
        self.assertEqual((forgot["user"], forgot["written"]), ("erin", 1))
        self.assertEqual(self.client.get(kept["id"], user="frank")["text"], "frank's note")

    def test_12_batch_update_is_all_or_none(self):
        cube = self.cube + "-batch"
        first = self.client.add("Caroline plans to move to Sweden", cube=cube)["id"]
        second = self.client.add("Melanie paints sunsets", cube=cube)["id"]
        written = self.client.update_batch([{"id": first, "text": "Caroline moved to Sweden", "reason": "done"},
                                            {"id": second, "tags": ["hobby"]}])
        self.assertEqual([(m["id"], m["version"]) for m in written], [(first, 2), (second, 2)])
        self.client.delete(second)
        with self.assertRaises(AgentMemError) as refused:
            self.client.update_batch([{"id": first, "text": "changed again"}, {"id": second, "text": "revived"}])
        self.assertEqual(refused.exception.status, 409)
        self.assertEqual(self.client.get(first)["version"], 2)

    def test_13_freeze_archive_and_restore(self):
        cube = self.cube + "-states"
        kept = self.client.add("Caroline's adoption papers", cube=cube)["id"]
        other = self.client.add("Melanie's old hobby", cube=cube)["id"]
        frozen = self.client.set_state(kept, "frozen", reason="legal hold")
        self.assertEqual((frozen["state"], frozen["stateReason"]), ("frozen", "legal hold"))
        with self.assertRaises(AgentMemError) as refused:
            self.client.update(kept, text="changed")
        self.assertEqual(refused.exception.status, 409)
        after = self.client.set_states([{"id": kept, "state": "active"}, {"id": other, "state": "archived", "reason": "stale"}])
        self.assertEqual([m["state"] for m in after], ["active", "archived"])
        self.assertEqual([m["id"] for m in self.client.list_memories(cube)], [kept])

    def test_14_page_memories_and_audit_lines(self):
        cube = self.cube + "-pages"
        ids = [self.client.add(f"paging note {i}", cube=cube)["id"] for i in range(3)]
        first = [m["id"] for m in self.client.list_memories(cube, limit=2)]
        self.assertEqual(len(first), 2)
        rest = [m["id"] for m in self.client.list_memories(cube, limit=2, after=first[-1])]
        self.assertEqual(rest, [i for i in ids if i not in first])

        self.client.update(ids[0], text="paging note 0, second version")
        self.client.update(ids[0], text="paging note 0, third version")
        lines = self.client.audit(ids[0], limit=2)
        self.assertEqual([(a["action"], a["version"]) for a in lines], [("add", 1), ("update", 2)])
        # Each new text is also a recall, audited after its update.
        self.assertEqual([(a["action"], a["version"]) for a in self.client.audit(ids[0], limit=2, after=lines[-1]["seq"])], [("recall", 2), ("update", 3)])
        read = self.client.read_audit(memory_id=ids[0], limit=2)
        self.assertEqual(read, lines)
        self.assertEqual([a["version"] for a in self.client.read_audit(memory_id=ids[0], limit=2, after=read[-1]["seq"])], [2, 3])
        whole = self.client.read_audit(cube=cube)
        self.assertEqual(self.client.read_audit(cube=cube, after=whole[0]["seq"]), whole[1:])

    def test_15_a_member_the_service_does_not_take_is_refused(self):
        cube = self.cube + "-members"
        added = self.client.add("Ann works at Contoso", cube=cube)["id"]
        self.client.update(added, text="Ann works at Fabrikam")
        # The keyword fails in the client; the same member sent as is, in the service (it dropped it and overwrote version 2).
        with self.assertRaisesRegex(TypeError, "'expected_version'"):
            self.client.update(added, text="Ann works at Initech", expected_version=1)
        with self.assertRaises(AgentMemError) as refused:
            self.client.request("PATCH", f"/v1/memories/{added}", {"text": "Ann works at Initech", "expected_version": 1})
        self.assertEqual(refused.exception.status, 400)
        self.assertIn("'expected_version' (at $.expected_version)", refused.exception.detail)
        with self.assertRaises(AgentMemError) as stale:
            self.client.update(added, text="Ann works at Initech", expectedVersion=1)
        self.assertEqual(stale.exception.status, 409)
        self.assertEqual((self.client.get(added)["text"], self.client.get(added)["version"]), ("Ann works at Fabrikam", 2))

    def test_16_a_body_over_the_limit_is_answered_413(self):
        # 17 MiB, over the default --max-body-bytes of the service .ci/clients starts (16 MiB). It answered 413 without
        # reading the body, and urllib, which sends a whole body before it reads, met a closed connection (Broken pipe).
        with self.assertRaises(AgentMemError) as refused:
            self.client.add("x" * (17 * 1024 * 1024), cube=self.cube)
        self.assertEqual((refused.exception.status, refused.exception.title), (413, "Request body too large"))
        self.assertRegex(refused.exception.detail, r"^The request body is larger than the limit of \d+ bytes\.$")
        # The connection is fine for the next call.
        self.assertEqual(self.client.get_cube(self.cube)["name"], self.cube)


if __name__ == "__main__":
    unittest.main(verbosity=2)
