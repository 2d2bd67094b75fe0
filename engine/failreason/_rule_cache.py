"""Loaded rule sets kept on disk, so a new process starts without reading the rules again.

Loading reads and checks every rule file against the schema and compiles every template; a
process that only classifies a line pays that at each start. Once a rule set loads without a
problem it is pickled to the user's cache directory, under a key made of the content of every
rule and template file of every layer, their paths, the engine's own modules and the Python
and Jinja versions: any change there and the key differs, so the next load reads the files
again and caches afresh. A rule set with problems is never cached (its load raises).

What cannot be pickled is rebuilt on the way back: a regex keeps its pattern and compiles the
first time it is used (``_regex``); a template keeps the module Jinja compiled it to and gets a
fresh sandbox (``_render.from_code``) the first time Jinja renders it, so a process whose
reasons all take the plain path never imports Jinja. A cache file that is missing, foreign,
corrupt, unreadable or not ours is ignored (and replaced when the directory is writable); a
cache that cannot be written is skipped. Neither is ever the user's problem.

``FAILREASON_CACHE_DIR`` names the directory; ``FAILREASON_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import marshal
import os
import pickle
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import CodeType

    import jinja2

    from failreason._plain_template import PlainTemplate
    from failreason._render import Template
    from failreason._rules import Layer, RuleSet
    from failreason._template_limits import BoundedEnvironment

_MAGIC = b"failreason rule set cache 1\n"
_OFF = frozenset({"0", "off", "false", "no"})
_PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path | None:
    """Where rule sets are cached, or None when ``FAILREASON_CACHE`` turns caching off."""
    if os.environ.get("FAILREASON_CACHE", "").strip().lower() in _OFF:
        return None
    chosen = os.environ.get("FAILREASON_CACHE_DIR")
    if chosen:
        return Path(chosen)
    return _platform_cache_home() / "failreason"


def _platform_cache_home() -> Path:
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return Path(local) if local else Path.home() / "AppData" / "Local"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"


def cached_rule_set(layers: list[Layer], load: Callable[[list[Layer]], RuleSet]) -> RuleSet:
    """The rule set of ``layers`` from the cache when its files are unchanged, else ``load``'s."""
    try:
        directory = cache_dir()
    except RuntimeError:  # no home directory to put a cache in: run uncached
        directory = None
    if directory is None:
        return load(layers)
    try:
        key = fingerprint(layers)
    except OSError:
        return load(layers)  # a file vanished or cannot be read: let the loader say which
    path = directory / f"rules-{_where(layers)}.pickle"
    cached = _read(path, key)
    if cached is not None:
        return cached
    rule_set = load(layers)  # raises on any problem, so a broken rule set is never written
    try:
        unchanged = fingerprint(layers) == key  # a file edited while it loaded: key it anew
    except OSError:
        unchanged = False
    if unchanged:
        _write(directory, path, key, rule_set)
    return rule_set


def fingerprint(layers: list[Layer]) -> bytes:
    """A digest of everything a loaded rule set depends on; raises OSError on an unreadable file."""
    digest = hashlib.sha256()

    def add(text: str) -> None:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")

    for part in _environment():
        add(part)
    for layer in layers:
        add(layer.rules_display)
        add(layer.templates_display)
        for directory, files in _layer_files(layer):
            add(str(directory.absolute()))
            for file in files:
                add(str(file.relative_to(directory)))
                add(os.path.realpath(file))  # where a link leads counts (see ``_readfile``)
                digest.update(_content_digest(file))
    return digest.digest()


# Larger than any rule or template file the loader accepts: such a file is not read whole.
_MAX_HASHED_BYTES = 4 * 1024 * 1024


def _content_digest(path: Path) -> bytes:
    """The digest of a regular file's bytes; of what it is instead, for anything else."""
    found = path.stat()
    if not stat.S_ISREG(found.st_mode) or found.st_size > _MAX_HASHED_BYTES:
        return f"not read: mode {found.st_mode:o}, {found.st_size} bytes".encode()
    return hashlib.sha256(path.read_bytes()).digest()


def _layer_files(layer: Layer) -> Iterator[tuple[Path, list[Path]]]:
    """Each directory of ``layer`` with the files the loader reads from it, as it globs them."""
    if layer.rules_dir is not None:
        found = (p for p in layer.rules_dir.rglob("*") if p.suffix in (".yaml", ".yml"))
        yield layer.rules_dir, sorted(found, key=os.fspath)  # strings sort faster than paths
    if layer.templates_dir is not None:
        yield layer.templates_dir, sorted(layer.templates_dir.glob("*.j2"), key=os.fspath)


def _environment() -> Iterator[str]:
    """The engine's own code and versions: a cached rule set is only good for the same ones."""
    from failreason import __version__

    yield from (__version__, sys.version, sys.implementation.cache_tag, _jinja_identity())
    for module in sorted(_PACKAGE.glob("*.py")):
        found = module.stat()
        yield f"{module.name}:{found.st_size}:{found.st_mtime_ns}"


def _jinja_identity() -> str:
    """Which Jinja is installed, without importing it (a cached classify never needs it):
    where its package file is, and that file's size and modification time."""
    import importlib.util

    spec = importlib.util.find_spec("jinja2")
    origin = spec.origin if spec is not None else None
    if origin is None:
        return "jinja2: not found"
    try:
        found = Path(origin).stat()
    except OSError:
        return f"jinja2: {origin} unreadable"
    return f"jinja2:{origin}:{found.st_size}:{found.st_mtime_ns}"


def _where(layers: list[Layer]) -> str:
    """The cache file's name for these directories: one file per set of layers, overwritten."""
    names = "\0".join(
        f"{layer.rules_dir and layer.rules_dir.absolute()}\0"
        f"{layer.templates_dir and layer.templates_dir.absolute()}"
        for layer in layers
    )
    return hashlib.sha256(names.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _read(path: Path, key: bytes) -> RuleSet | None:
    """The rule set cached at ``path`` under ``key``; None for anything else, whatever it is."""
    from failreason._rules import RuleSet

    try:
        with path.open("rb") as file:
            if not _ours(os.fstat(file.fileno())):
                return None
            if file.read(len(_MAGIC) + len(key)) != _MAGIC + key:
                return None
            loaded = pickle.load(file)  # noqa: S301 (our own file, in our own directory)
    except Exception:  # missing, corrupt or foreign: the files are read instead
        return None
    return loaded if isinstance(loaded, RuleSet) else None


def _ours(found: os.stat_result) -> bool:
    """Only a file this user owns and no one else may change is unpickled: it runs code."""
    owner = getattr(os, "getuid", None)
    if owner is not None and found.st_uid != owner():
        return False
    return not found.st_mode & 0o022


def _write(directory: Path, path: Path, key: bytes, rule_set: RuleSet) -> None:
    """Cache ``rule_set`` atomically (a reader sees the old file or the new, never half)."""
    buffer = io.BytesIO()
    buffer.write(_MAGIC + key)
    try:
        _Pickler(buffer).dump(rule_set)
    except Exception:  # a part that cannot be pickled: run uncached
        return
    import tempfile  # only to write: a process that reads the cache never needs it

    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".rules-", suffix=".tmp")
    except OSError:
        return  # a read-only or missing home: run uncached
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(buffer.getvalue())
        Path(temporary).replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        return
    _prune(directory)


# One file per set of rule directories: a machine that loads rules from many temporary
# directories (a CI runner, a test suite) keeps only the most recently written ones.
MAX_CACHED_RULE_SETS = 32


def _prune(directory: Path) -> None:
    with contextlib.suppress(OSError):
        files = sorted(directory.glob("rules-*.pickle"), key=lambda file: file.stat().st_mtime_ns)
        for old in files[:-MAX_CACHED_RULE_SETS]:
            old.unlink()


class _Pickler(pickle.Pickler):
    """Pickles a template as its name, variables and compiled module (Jinja's are not)."""

    def __init__(self, file: io.BytesIO) -> None:
        from failreason._render import Template

        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._template_class = Template
        self._sandbox = _Sandbox()
        self._modules: dict[int, _Module] = {}  # id(code) → its one pickled form

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is not self._template_class or obj.code is None:
            return NotImplemented
        module = self._modules.get(id(obj.code))
        if module is None:
            module = self._modules[id(obj.code)] = _Module(self._sandbox, marshal.dumps(obj.code))
        return (_revive_template, (obj.name, obj.variables, module, obj._plain))


class _Sandbox:
    """The Jinja environment the templates of one cached rule set share, made once, on need."""

    def __init__(self) -> None:
        self._env: BoundedEnvironment | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Sandbox, ())

    @property
    def env(self) -> BoundedEnvironment:
        if self._env is None:
            from failreason._render import new_environment

            self._env = new_environment({})  # templates may not include others: no loader
        return self._env


class _Module:
    """One compiled template module, shared by every template made from the same source."""

    def __init__(self, sandbox: _Sandbox, code: bytes) -> None:
        self.sandbox, self.code = sandbox, code
        self._code: CodeType | None = None
        self._template: jinja2.Template | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Module, (self.sandbox, self.code))

    def compiled(self) -> CodeType:
        if self._code is None:
            self._code = marshal.loads(self.code)  # noqa: S302 (marshalled by _Pickler, same Python)
        return self._code

    def template(self) -> jinja2.Template:
        """The Jinja template, made on first need: a render the plain path does needs none."""
        if self._template is None:
            from failreason._render import from_code

            self._template = from_code(self.sandbox.env, self.compiled())
        return self._template


def _revive_template(
    name: str, variables: frozenset[str], module: _Module, plain: PlainTemplate | None
) -> Template:
    from failreason._render import Template

    return Template(
        name, variables, None, _plain=plain, code=module.compiled(), _build=module.template
    )
