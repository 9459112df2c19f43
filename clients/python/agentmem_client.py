"""AgentMem REST client on the standard library alone (urllib, json).

One method per operation of the OpenAPI document (``OPERATIONS`` maps its operation ids to the methods, and the
round-trip test checks the document against it). Answers come back as the parsed JSON (dicts and lists); an error
answer raises ``AgentMemError`` with the status and the RFC 7807 problem document. An empty id or name in a path, or one
that is "." or "..", raises ``ValueError`` before anything is sent, and a keyword that names no body member (a typo, or a
snake_case ``expected_version`` for ``expectedVersion``) raises ``TypeError``.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

__all__ = ["AgentMemClient", "AgentMemError", "OPERATIONS"]

# operationId in /openapi/v1.json -> method name here.
OPERATIONS = {
    "Health": "health",
    "CreateCube": "create_cube",
    "ListCubes": "list_cubes",
    "GetCube": "get_cube",
    "AddMemory": "add",
    "AddMemories": "add_batch",
    "ListMemories": "list_memories",
    "GetMemory": "get",
    "UpdateMemory": "update",
    "UpdateMemories": "update_batch",
    "SetMemoryState": "set_state",
    "SetMemoryStates": "set_states",
    "DeleteMemory": "delete",
    "MemoryHistory": "history",
    "MemoryAudit": "audit",
    "MemoryLinks": "links",
    "Search": "search",
    "BuildContext": "context",
    "DeleteCube": "delete_cube",
    "GetCubeGrants": "get_grants",
    "SetCubeGrants": "set_grants",
    "GetCubePolicy": "get_policy",
    "SetCubePolicy": "set_policy",
    "ReadAudit": "read_audit",
    "ForgetUser": "forget_user",
}


class AgentMemError(Exception):
    """A non-success answer, or one that is not JSON: ``status`` and the problem document (``title``, ``detail``, ...;
    empty when the answer held none); for a redirect, which the client does not follow, ``location`` is where it pointed;
    for an answer that is not JSON (a proxy's or gateway's page, a login page, another server at ``base_url``), ``body`` is
    its text and ``content_type`` its type."""

    def __init__(self, status: int, problem: dict[str, Any] | None, location: str | None = None, body: str | None = None,
                 content_type: str | None = None):
        self.status = status
        self.problem = problem or {}
        self.title = self.problem.get("title")
        self.detail = self.problem.get("detail")
        self.location = location
        self.body = body
        self.content_type = content_type
        if location is not None and not self.title:
            message = f"AgentMem answered {status}: a redirect to {location}, not followed (point base_url at the service itself)"
        elif body and not self.title:
            # The page's first words, on one line: enough to tell a proxy's error page or a login page from anything else.
            text = " ".join(body.split())
            message = f"AgentMem answered {status} with {content_type or 'no content type'}, not JSON: {text[:200]}" + ("..." if len(text) > 200 else "")
        else:
            message = f"AgentMem answered {status}: {self.title or 'error'}" + (f" ({self.detail})" if self.detail else "")
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        # args holds only the message, so the default would call AgentMemError(message) on unpickling (and in copy).
        return type(self), (self.status, self.problem, self.location, self.body, self.content_type), self.__dict__


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect is answered as an error instead of followed: urllib resends a POST as a GET (add() "succeeded" with the
    # memory list and stored nothing) and copies the Authorization header to whatever host the Location names.
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


# The body members the methods taking **keywords pass on, as the OpenAPI document names them (camelCase); the members
# they take as parameters of their own are not repeated here.
_NEW_MEMORY_MEMBERS = frozenset({"reason", "actor", "session", "source", "sourceRef", "validFrom", "validTo", "tags",
                                 "keywords", "context", "importance"})
_MEMORY_CHANGE_MEMBERS = frozenset({"text", "reason", "tags", "keywords", "context", "importance", "validFrom", "validTo",
                                    "expectedVersion"})
_POLICY_MEMBERS = frozenset({"deduplicate", "retentionDays", "hardDeleteAfterDays", "maxItems", "contextTokenBudget",
                             "forgettingThreshold"})


def _fields(**values: Any) -> dict[str, Any]:
    # Members left as None are left out: the service treats an absent member as "default" / "unchanged".
    return {k: v for k, v in values.items() if v is not None}


def _members(method: str, given: dict[str, Any], members: frozenset[str]) -> dict[str, Any]:
    # The service refuses a member it does not know (400); a typo or a snake_case name (expected_version) fails here first,
    # as an unknown keyword does for any Python function, before anything is sent.
    for name in given:
        if name not in members:
            raise TypeError(f"{method}() got an unexpected keyword argument '{name}'; it takes {', '.join(sorted(members))}")
    return given


class AgentMemClient:
    """A client for one AgentMem service. ``api_key`` goes out as ``Authorization: Bearer KEY``."""

    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        # Per thread: one client shared by a thread pool must not report another thread's status.
        self._local = threading.local()

    @property
    def last_status(self) -> int | None:
        """The HTTP status of this thread's last call through this client (None before its first, and after one that got
        no answer: a refused connection, a timeout, a connection closed while sending)."""
        return getattr(self._local, "status", None)

    @last_status.setter
    def last_status(self, value: int | None) -> None:
        self._local.status = value

    def __getstate__(self) -> dict[str, Any]:
        # A thread-local cannot be pickled; a copy starts with no status of its own.
        state = self.__dict__.copy()
        del state["_local"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    # --- transport -------------------------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        """Sends one call; returns the parsed JSON (None for an empty answer) and sets ``last_status`` (for this thread).
        An error answer, a redirect or an answer that is not JSON raises ``AgentMemError``."""
        url = self.base_url + path
        params = {k: ("true" if v is True else "false" if v is False else v) for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Accept": "application/json, application/problem+json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.api_key is not None:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        # Until an answer comes: a call that gets none must not leave the previous call's status behind.
        self.last_status = None
        try:
            with _OPENER.open(req, timeout=self.timeout) as response:
                self.last_status = response.status
                raw, content_type = response.read(), response.headers.get("Content-Type")
        except urllib.error.HTTPError as error:
            self.last_status = error.code
            with error:
                raw, content_type = error.read(), error.headers.get("Content-Type")
            location = error.headers.get("Location") if 300 <= error.code < 400 else None
            is_json, problem = self._parse(raw, content_type)
            raise AgentMemError(error.code, problem if isinstance(problem, dict) else None,
                                None if location is None else urllib.parse.urljoin(url, location),
                                None if is_json else raw.decode("utf-8", "replace"), content_type) from None
        is_json, answer = self._parse(raw, content_type)
        if not is_json:
            # A success that is not the service's JSON is not a success: a captive portal's or login page's 200 made add()
            # "return" None with nothing stored.
            raise AgentMemError(self.last_status, None, None, raw.decode("utf-8", "replace"), content_type)
        return answer

    @staticmethod
    def _parse(raw: bytes, content_type: str | None) -> tuple[bool, Any]:
        # (whether the answer is JSON, the parsed value); an empty answer (204) is JSON's None.
        if not raw:
            return True, None
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            return False, None
        try:
            return True, json.loads(raw)
        except ValueError:
            return False, None

    @staticmethod
    def _segment(value: str, what: str) -> str:
        # An empty segment would name another operation's path: get("") would list memories, update("") patch a batch.
        if not value or not value.strip():
            raise ValueError(f"{what} must not be empty.")
        # So would "." and "..": quote leaves them as they are, and URL parsing on either side removes them as dot
        # segments (get_cube(".") would list cubes). The service refuses these names for new cubes and authors. A padded
        # " . " is an ordinary segment (the service trims it), so it still reaches a cube stored under "." before that rule.
        if value in (".", ".."):
            raise ValueError(f"{what} must not be '.' or '..': a URL path cannot carry it as a segment.")
        return urllib.parse.quote(value, safe="")

    # --- operations --------------------------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self.request("GET", "/health")

    def create_cube(self, name: str, description: str | None = None, deduplicate: bool | None = None,
                    user: str | None = None, agent: str | None = None) -> dict[str, Any]:
        return self.request("POST", "/v1/cubes", _fields(name=name, description=description, deduplicate=deduplicate, user=user, agent=agent))

    def list_cubes(self, user: str | None = None, agent: str | None = None) -> list[dict[str, Any]]:
        return self.request("GET", "/v1/cubes", query={"user": user, "agent": agent})

    def get_cube(self, cube: str, user: str | None = None, agent: str | None = None) -> dict[str, Any]:
        """One cube by id or name (what ``create_cube`` returned)."""
        return self.request("GET", f"/v1/cubes/{self._segment(cube, 'cube')}", query={"user": user, "agent": agent})

    def add(self, text: str, cube: str | None = None, user: str | None = None, agent: str | None = None, **memory: Any) -> dict[str, Any]:
        """Adds one memory; ``memory`` takes the other members of NewMemory by their names in the API (reason, actor, session,
        source, sourceRef, validFrom, validTo, tags, keywords, context, importance); any other keyword raises ``TypeError``."""
        return self.request("POST", "/v1/memories", _fields(text=text, cube=cube, user=user, agent=agent, **_members("add", memory, _NEW_MEMORY_MEMBERS)))

    def add_batch(self, items: list[dict[str, Any]], cube: str | None = None, user: str | None = None, agent: str | None = None) -> list[dict[str, Any]]:
        return self.request("POST", "/v1/memories/batch", _fields(items=items, cube=cube, user=user, agent=agent))

    def list_memories(self, cube: str | None = None, limit: int | None = None, state: str | None = None,
                      user: str | None = None, agent: str | None = None, kind: str | None = None, tag: str | None = None,
                      after: str | None = None) -> list[dict[str, Any]]:
        """The cube's memories, oldest first: at most `limit` (default 100), after the memory with id `after` (the last
        id of a previous page)."""
        return self.request("GET", "/v1/memories", query={"cube": cube, "limit": limit, "after": after, "state": state, "kind": kind, "tag": tag,
                                                          "user": user, "agent": agent})

    def get(self, memory_id: str, user: str | None = None, agent: str | None = None) -> dict[str, Any]:
        return self.request("GET", f"/v1/memories/{self._segment(memory_id, 'memory_id')}", query={"user": user, "agent": agent})

    def update(self, memory_id: str, user: str | None = None, agent: str | None = None, **changes: Any) -> dict[str, Any]:
        """Writes a new version; ``changes`` takes text, reason, tags, keywords, context, importance, validFrom, validTo, and
        expectedVersion (the version read: a memory changed since is refused with 409 instead of overwritten); any other
        keyword (``expected_version`` too) raises ``TypeError``."""
        changes = _members("update", changes, _MEMORY_CHANGE_MEMBERS)
        return self.request("PATCH", f"/v1/memories/{self._segment(memory_id, 'memory_id')}", _fields(user=user, agent=agent, **changes))

    def update_batch(self, items: list[dict[str, Any]], user: str | None = None, agent: str | None = None) -> list[dict[str, Any]]:
        """Updates several memories in one transaction, in order, all or none; each item is ``{"id": ..., <changes>}``."""
        return self.request("PATCH", "/v1/memories", _fields(items=items, user=user, agent=agent))

    def set_state(self, memory_id: str, state: str, reason: str | None = None, user: str | None = None, agent: str | None = None) -> dict[str, Any]:
        """Freeze, unfreeze, archive or restore: ``state`` is ``active``, ``archived`` or ``frozen``; returns the memory after."""
        return self.request("PUT", f"/v1/memories/{self._segment(memory_id, 'memory_id')}/state", _fields(state=state, reason=reason, user=user, agent=agent))

    def set_states(self, items: list[dict[str, Any]], user: str | None = None, agent: str | None = None) -> list[dict[str, Any]]:
        """Several state changes in one transaction, in order, all or none; each item is ``{"id", "state", "reason"}``."""
        return self.request("PUT", "/v1/memories/states", _fields(items=items, user=user, agent=agent))

    def delete(self, memory_id: str, reason: str | None = None, user: str | None = None, agent: str | None = None) -> dict[str, Any]:
        """Soft delete: returns the tombstone version."""
        return self.request("DELETE", f"/v1/memories/{self._segment(memory_id, 'memory_id')}", query={"reason": reason, "user": user, "agent": agent})

    def purge(self, memory_id: str, user: str | None = None, agent: str | None = None) -> None:
        """Removes every version for good (204)."""
        self.request("DELETE", f"/v1/memories/{self._segment(memory_id, 'memory_id')}", query={"purge": True, "user": user, "agent": agent})

    def history(self, memory_id: str, user: str | None = None, agent: str | None = None, limit: int | None = None, after: int | None = None) -> list[dict[str, Any]]:
        """The memory's versions, oldest first: at most `limit` (default 100), after version `after`."""
        return self.request("GET", f"/v1/memories/{self._segment(memory_id, 'memory_id')}/history", query={"limit": limit, "after": after, "user": user, "agent": agent})

    def audit(self, memory_id: str, limit: int | None = None, user: str | None = None, agent: str | None = None,
              after: int | None = None) -> list[dict[str, Any]]:
        """Who did what to the memory and when, oldest first (no content): at most `limit` lines (default 200), after the
        line whose ``seq`` is `after` (the last line of a previous page)."""
        return self.request("GET", f"/v1/memories/{self._segment(memory_id, 'memory_id')}/audit", query={"limit": limit, "after": after, "user": user, "agent": agent})

    def links(self, memory_id: str, user: str | None = None, agent: str | None = None, limit: int | None = None) -> dict[str, Any]:
        """The memory's links, each with the linked memory (links the caller may not follow are only counted, ``hidden``),
        and ``incoming``: the links to it from the live memories of its cube, each with the linking memory; at most
        ``limit`` each way (default 100), ``moreLinks`` and ``moreIncoming`` saying when more were left out."""
        return self.request("GET", f"/v1/memories/{self._segment(memory_id, 'memory_id')}/links", query={"limit": limit, "user": user, "agent": agent})

    def search(self, query: str, cube: str | None = None, k: int | None = None, mode: str | None = None, explain: bool = False,
               user: str | None = None, agent: str | None = None) -> dict[str, Any]:
        return self.request("POST", "/v1/search", _fields(query=query, cube=cube, k=k, mode=mode, explain=explain or None, user=user, agent=agent))

    def context(self, query: str, cube: str | None = None, budget: int | None = None, mode: str | None = None,
                user: str | None = None, agent: str | None = None) -> dict[str, Any]:
        return self.request("POST", "/v1/context", _fields(query=query, cube=cube, budget=budget, mode=mode, user=user, agent=agent))

    def delete_cube(self, cube: str, user: str | None = None, agent: str | None = None) -> dict[str, Any]:
        """Deletes the cube with all its memories for good (owner only); returns ``{"cube", "memories"}``."""
        return self.request("DELETE", f"/v1/cubes/{self._segment(cube, 'cube')}", query={"user": user, "agent": agent})

    def forget_user(self, user: str) -> dict[str, Any]:
        """Forgets ``user`` in every cube of the tenant (their memories and what was derived from them), for good; the key
        must be the tenant's (unbound) or bound to that user. Drops the grants to the user; the cubes they own are listed, not
        deleted. Returns ``{"user", "written", "derived", "cubes", "cartridges", "grantsDropped", "ownedCubes"}``."""
        return self.request("POST", f"/v1/users/{self._segment(user, 'user')}/forget")

    def get_grants(self, cube: str, user: str | None = None, agent: str | None = None) -> dict[str, Any]:
        """The cube's owner and grants."""
        return self.request("GET", f"/v1/cubes/{self._segment(cube, 'cube')}/grants", query={"user": user, "agent": agent})

    def set_grants(self, cube: str, grants: list[dict[str, Any]], user: str | None = None, agent: str | None = None) -> dict[str, Any]:
        """Replaces the whole list of grants (``{"user", "agent", "access": "read"|"write"|"readwrite"}``); owner only."""
        return self.request("PUT", f"/v1/cubes/{self._segment(cube, 'cube')}/grants", _fields(grants=grants, user=user, agent=agent))

    def get_policy(self, cube: str, user: str | None = None, agent: str | None = None) -> dict[str, Any]:
        return self.request("GET", f"/v1/cubes/{self._segment(cube, 'cube')}/policy", query={"user": user, "agent": agent})

    def set_policy(self, cube: str, user: str | None = None, agent: str | None = None, **policy: Any) -> dict[str, Any]:
        """Changes the members given (retentionDays, hardDeleteAfterDays, maxItems, contextTokenBudget, forgettingThreshold,
        deduplicate); any other keyword raises ``TypeError``."""
        policy = _members("set_policy", policy, _POLICY_MEMBERS)
        return self.request("PUT", f"/v1/cubes/{self._segment(cube, 'cube')}/policy", _fields(user=user, agent=agent, **policy))

    def read_audit(self, cube: str | None = None, memory_id: str | None = None, limit: int | None = None,
                   user: str | None = None, agent: str | None = None, after: int | None = None) -> list[dict[str, Any]]:
        """The audit trail of a memory, a cube, or every cube the caller can read, oldest first (no content): at most
        `limit` lines (default 200), after the line whose ``seq`` is `after` (the last line of a previous page)."""
        return self.request("GET", "/v1/audit", query={"cube": cube, "memory": memory_id, "limit": limit, "after": after, "user": user, "agent": agent})
