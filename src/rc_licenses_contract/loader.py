"""Loads the contract (openapi.yaml, schemas/, contracts/) once and derives everything from it.

The contract is data: the operation, which schema each response uses, the examples and the profiles
are all read from the files, so the code below knows nothing endpoint-specific.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from .contract_facts import RATE_LIMITED as RATE_LIMITED  # re-exported: the code asks the loader
from .contract_facts import TOKEN_SCHEME as TOKEN_SCHEME
from .contract_facts import USER_ID_SCHEME as USER_ID_SCHEME
from .contract_facts import RateLimitHeaders as RateLimitHeaders
from .contract_facts import (
    read_auth_headers,
    read_query_parameters,
    read_rate_limit_headers,
)
from .errors import ContractError
from .jsonio import read_json, read_yaml

ROOT_ENV = "RC_LICENSES_CONTRACT_ROOT"
CONTRACT_PACKAGE = "rc_licenses_contract.contract"
JSON_MEDIA_TYPE = "application/json"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Json = Any


@dataclass(frozen=True)
class Example:
    name: str
    value: Json
    status: str
    summary: str
    source: Path
    description: str = ""


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    # component name (schema title) -> extra required property names
    require: dict[str, list[str]]
    # response status -> header name -> exact value the profile expects
    headers: dict[str, dict[str, str]]
    # the lowest server major version this profile describes; None: chosen only by name
    from_major: int | None = None

    @property
    def all_headers(self) -> dict[str, str]:
        """Every header value the profile expects, whatever the status."""
        return {name: value for by_name in self.headers.values() for name, value in by_name.items()}


@dataclass
class Contract:
    root: Path
    openapi: dict[str, Json]
    path: str
    method: str
    schemas: dict[str, dict[str, Json]]  # $id -> schema
    components: dict[str, str]  # component name -> $id
    responses: dict[str, str]  # status -> $id of the response body schema
    examples: dict[str, Example]
    profiles: dict[str, Profile]
    # security scheme name -> the request header that carries it (apiKey schemes in a header)
    auth_headers: dict[str, str] = field(default_factory=dict)
    rate_limit: RateLimitHeaders | None = None
    # query parameter name -> its schema
    query_parameters: dict[str, dict[str, Json]] = field(default_factory=dict)
    _cache: dict[tuple[str, ...], Any] = field(default_factory=dict, repr=False)

    @property
    def openapi_file(self) -> Path:
        return self.root / "openapi.yaml"

    @property
    def contracts_dir(self) -> Path:
        return self.root / "contracts"

    def schema_for(self, response: str) -> str:
        try:
            return self.responses[response]
        except KeyError:
            known = ", ".join(sorted(self.responses))
            raise ContractError("openapi.yaml", f"no response {response!r} (known: {known})") from None

    def profile(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(self.profiles)
            raise ContractError("contracts/profiles.json", f"no profile {name!r} (known: {known})") from None

    def profile_for_version(self, version: str | None) -> str:
        """The profile for a server version: the one with the highest `fromMajor` at or below its major."""
        major = re.match(r"[0-9]{1,4}(?=\.|$)", version or "")
        fitting = [
            profile
            for profile in self.profiles.values()
            if major and profile.from_major is not None and profile.from_major <= int(major.group())
        ]
        return max(fitting, key=lambda profile: profile.from_major or 0).name if fitting else "default"

    def credential_headers(self, user_id: str, auth_token: str) -> dict[str, str]:
        """The request headers that carry a caller's credentials, named by the security schemes."""
        return {self.auth_headers[USER_ID_SCHEME]: user_id, self.auth_headers[TOKEN_SCHEME]: auth_token}

    def rate_limit_headers(self) -> RateLimitHeaders:
        if self.rate_limit is None:
            raise ContractError("openapi.yaml", "the 429 response declares no rate-limit headers")
        return self.rate_limit

    def boolean_parameters(self) -> tuple[str, ...]:
        """Query parameters whose schema is a boolean (the server accepts the spellings true and false)."""
        return tuple(name for name, schema in self.query_parameters.items() if schema.get("type") == "boolean")

    def cached(self, key: tuple[str, ...], build: Any) -> Any:
        """Build a derived object (policy schemas, validators) once per contract."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]


def default_root() -> Path:
    """The contract folder: $RC_LICENSES_CONTRACT_ROOT, else the package `rc_licenses_contract.contract`.

    That package is the repository's top folder, mapped by pyproject.toml, so an installed wheel finds
    the contract through importlib.resources wherever it lies. An editable install or `PYTHONPATH=src`
    cannot import a package mapped outside src/ (setuptools' editable finder only serves sub-packages
    below their parent), so a source checkout is read in place.
    """
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env)
    try:
        anchor = importlib.resources.files(CONTRACT_PACKAGE).joinpath("openapi.yaml")
    except ModuleNotFoundError:
        anchor = None
    # The tools we hand the files to (openapi-spec-validator, Schemathesis, $ref resolution) need real
    # paths, so a zipped install is not supported; wheels install as files.
    if isinstance(anchor, Path) and anchor.is_file():
        return anchor.parent
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "openapi.yaml").is_file() and (checkout / "pyproject.toml").is_file():
        return checkout
    raise ContractError("openapi.yaml", f"contract not found; set {ROOT_ENV} to the folder holding it")


def _object(node: Json, location: str) -> dict[str, Json]:
    """A mapping the loader reads (absent: empty); anything else is a contract error naming its place."""
    if node is None:
        return {}
    if not isinstance(node, dict):
        raise ContractError(location, f"must be an object, not {_json_type(node)}")
    return node


def _json_type(node: Json) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}
    return names.get(type(node), type(node).__name__)


def file_uri(path: Path) -> str:
    return path.resolve().as_uri()


def iter_refs(node: Json, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Yield (JSON pointer, $ref value) for every $ref in a document."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield pointer, ref
        for key, value in node.items():
            yield from iter_refs(value, f"{pointer}/{escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_refs(value, f"{pointer}/{index}")


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def resolve_pointer(document: Json, pointer: str) -> Json:
    """The node at an RFC 6901 JSON pointer: "" is the whole document, "/" the member named "" (KeyError,
    IndexError, ValueError or TypeError when there is none)."""
    if not pointer:
        return document
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer {pointer!r} does not start with /")
    node = document
    for raw in pointer[1:].split("/"):
        token = unescape(raw)
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def read_schema_files(root: Path) -> tuple[dict[str, dict[str, Json]], dict[str, Path]]:
    """Every schema under schemas/, keyed by its file URI.

    A schema is identified by where it lies: on disk its `$id` is its file name or absent (README,
    "Identifiers"), so that every tool resolves the relative `$ref`s to the neighbouring files, offline.
    In memory each schema's `$id` is set to its file URI, which the engines and the bundler key on.
    """
    schemas: dict[str, dict[str, Json]] = {}
    files: dict[str, Path] = {}
    folder = root / "schemas"
    if not folder.is_dir():
        raise ContractError(str(folder), "schemas folder is missing")
    for path in sorted(folder.glob("*.json")):
        schema = read_json(path)
        if not isinstance(schema, dict):
            raise ContractError(str(path), "a schema file must hold a JSON object")
        declared = schema.get("$id", path.name)
        if declared != path.name:
            raise ContractError(f"{path}::/$id", f"$id must be the file name {path.name!r} or absent, not {declared!r}")
        uri = file_uri(path)
        schemas[uri] = {"$id": uri, **{key: value for key, value in schema.items() if key != "$id"}}
        files[uri] = path
    return schemas, files


def find_operation(openapi: dict[str, Json]) -> tuple[str, str, dict[str, Json]]:
    for path, item in _object(openapi.get("paths"), "openapi.yaml::/paths").items():
        for method in HTTP_METHODS:
            if isinstance(item, dict) and isinstance(item.get(method), dict):
                return path, method, item[method]
    raise ContractError("openapi.yaml", "no operation under paths")


def _component_ids(root: Path, openapi: dict[str, Json], files: dict[str, Path]) -> dict[str, str]:
    by_file = {path.resolve(): uri for uri, path in files.items()}
    components: dict[str, str] = {}
    for name, entry in _object(_components(openapi).get("schemas"), "openapi.yaml::/components/schemas").items():
        ref = entry.get("$ref") if isinstance(entry, dict) else None
        target = (root / ref).resolve() if isinstance(ref, str) else None
        if target is None or target not in by_file:
            raise ContractError(f"openapi.yaml::/components/schemas/{name}", f"$ref {ref!r} is not a schema file")
        components[name] = by_file[target]
    return components


def _response_ids(
    openapi: dict[str, Json], operation: dict[str, Json], components: dict[str, str], where: str
) -> dict[str, str]:
    responses: dict[str, str] = {}
    for status, response in _responses(operation, where).items():
        location = f"{where}/responses/{status}"
        schema = _object(_media(response, f"openapi.yaml::{location}").get("schema"), f"openapi.yaml::{location}")
        ref = schema.get("$ref", "")
        prefix = "#/components/schemas/"
        if not isinstance(ref, str) or not ref.startswith(prefix) or ref[len(prefix) :] not in components:
            raise ContractError(f"openapi.yaml::{location}", "response schema must $ref a component schema")
        responses[str(status)] = components[ref[len(prefix) :]]
    return responses


def _components(openapi: dict[str, Json]) -> dict[str, Json]:
    return _object(openapi.get("components"), "openapi.yaml::/components")


def _responses(operation: dict[str, Json], where: str) -> dict[str, Json]:
    return _object(operation.get("responses"), f"openapi.yaml::{where}/responses")


def _media(response: Json, location: str) -> dict[str, Json]:
    """A response's application/json media type object (empty when it has none)."""
    content = _object(_object(response, location).get("content"), f"{location}/content")
    return _object(content.get(JSON_MEDIA_TYPE), f"{location}/content/{escape(JSON_MEDIA_TYPE)}")


def _examples(root: Path, openapi: dict[str, Json], operation: dict[str, Json], where: str) -> dict[str, Example]:
    status_of: dict[str, str] = {}
    for status, response in _responses(operation, where).items():
        location = f"openapi.yaml::{where}/responses/{status}"
        media = _media(response, location)
        for entry in _object(media.get("examples"), f"{location}/content/{escape(JSON_MEDIA_TYPE)}/examples").values():
            ref = entry.get("$ref", "") if isinstance(entry, dict) else ""
            if ref.startswith("#/components/examples/"):
                status_of[ref.rsplit("/", 1)[1]] = str(status)
    examples: dict[str, Example] = {}
    for name, entry in _object(_components(openapi).get("examples"), "openapi.yaml::/components/examples").items():
        source = root / "openapi.yaml"
        if isinstance(entry, dict) and "$ref" in entry:
            source = root / entry["$ref"]
            entry = read_json(source)
        if not isinstance(entry, dict) or "value" not in entry:
            raise ContractError(f"{source}", f"example {name!r} has no value")
        if name not in status_of:
            raise ContractError(f"openapi.yaml::/components/examples/{name}", "example is used by no response")
        examples[name] = Example(
            name, entry["value"], status_of[name], entry.get("summary", ""), source, entry.get("description", "")
        )
    return examples


def _profiles(root: Path) -> dict[str, Profile]:
    path = root / "contracts" / "profiles.json"
    data = _object(read_json(path), str(path))
    profiles: dict[str, Profile] = {}
    for name, entry in _object(data.get("profiles"), f"{path}::/profiles").items():
        where = f"{path}::/profiles/{escape(name)}"
        entry = _object(entry, where)
        require = _object(entry.get("require"), f"{where}/require")
        headers = _object(entry.get("headers"), f"{where}/headers")
        from_major = entry.get("fromMajor")
        # The shapes profiles.schema.json gives (lint checks the rest): wrong ones would fail mid-run.
        for component, names in require.items():
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ContractError(
                    f"{where}/require/{escape(component)}", "must be an array of property names (profiles.schema.json)"
                )
        for status, values in headers.items():
            values = _object(values, f"{where}/headers/{escape(status)}")
            if not all(isinstance(v, str) for v in values.values()):
                raise ContractError(
                    f"{where}/headers/{escape(status)}", "header values must be strings (profiles.schema.json)"
                )
        if from_major is not None and (isinstance(from_major, bool) or not isinstance(from_major, int)):
            raise ContractError(
                f"{where}/fromMajor", f"must be a whole number, not {_json_type(from_major)} (profiles.schema.json)"
            )
        description = entry.get("description", "")
        profiles[name] = Profile(
            name=name,
            description=description if isinstance(description, str) else "",
            require=require,
            headers=headers,
            from_major=from_major,
        )
    if "default" not in profiles:
        raise ContractError(str(path), "a 'default' profile is required")
    return profiles


def build_contract(root: Path) -> Contract:
    openapi = read_yaml(root / "openapi.yaml")
    if not isinstance(openapi, dict):
        raise ContractError(str(root / "openapi.yaml"), "not an OpenAPI document")
    schemas, files = read_schema_files(root)
    path, method, operation = find_operation(openapi)
    where = f"/paths/{escape(path)}/{method}"
    components = _component_ids(root, openapi, files)
    responses = _response_ids(openapi, operation, components, where)  # before the facts: it names a bad shape
    try:
        facts = (
            read_auth_headers(openapi),
            read_rate_limit_headers(operation, where),
            read_query_parameters(openapi, operation, where, resolve_pointer),
        )
    except (AttributeError, TypeError) as exc:  # a security scheme, parameter or header of the wrong shape
        raise ContractError(
            str(root / "openapi.yaml"), f"the security schemes, parameters or 429 headers: {exc}"
        ) from None
    contract = Contract(
        root=root,
        openapi=openapi,
        path=path,
        method=method,
        schemas=schemas,
        components=components,
        responses=responses,
        examples=_examples(root, openapi, operation, where),
        profiles=_profiles(root),
        auth_headers=facts[0],
        rate_limit=facts[1],
        query_parameters=facts[2],
    )
    for profile in contract.profiles.values():
        for component in profile.require:
            if component not in components:
                raise ContractError(
                    "contracts/profiles.json", f"profile {profile.name!r} names unknown schema {component!r}"
                )
    return contract


@functools.cache
def _load(root: Path) -> Contract:
    return build_contract(root)


def load_contract(root: Path | str | None = None) -> Contract:
    """The contract at `root` (default: see default_root), loaded once per process."""
    return _load(Path(root).resolve() if root is not None else default_root().resolve())


def join_uri(base: str, ref: str) -> tuple[str, str]:
    """Resolve a $ref against a base URI; return (resource URI, fragment)."""
    target = urljoin(base, ref)
    split = urlsplit(target)
    return target.split("#", 1)[0], split.fragment


def resolve_data(node: Json, base: Path) -> Json:
    """Resolve {"$ref": "file.json#/pointer"} nodes in contract data, relative to `base` (a file)."""
    if isinstance(node, dict):
        if set(node) == {"$ref"} and isinstance(node["$ref"], str):
            file_part, _, fragment = node["$ref"].partition("#")
            target = (base.parent / file_part).resolve() if file_part else base
            try:
                value = resolve_pointer(read_json(target), fragment)
            except (KeyError, IndexError, ValueError, TypeError):
                raise ContractError(str(base), f"$ref {node['$ref']!r} does not resolve") from None
            return resolve_data(value, target)
        return {key: resolve_data(value, base) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_data(value, base) for value in node]
    return node
