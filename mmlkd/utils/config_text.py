"""Read a config stored as text in a checkpoint as data, never as code.

mmengine writes the training config into every checkpoint
(``meta['cfg']``, ``message_hub['runtime_info']['cfg']``) as Python source,
and reads it back with ``Config.fromstring``, which *executes* that source:
a checkpoint whose config text ends in ``__import__('os').system(...)`` runs
the command although the tensors themselves are loaded with
``weights_only=True``. The text mmengine writes (``Config.pretty_text``) is
only assignments of literals, so it can be read with :mod:`ast` without
running anything; any other statement or expression is refused with the
line at fault.
"""
import ast
from typing import Any, Dict, Optional

from mmengine.config import Config

# Every place an mmengine 0.10 checkpoint keeps config text, as
# (description, getter). ``meta['config']`` is what ``Runner.resume`` executes.
CONFIG_TEXT_FIELDS = (
    ("meta['cfg']", lambda c: (c.get('meta') or {}).get('cfg')),
    ("meta['config']", lambda c: (c.get('meta') or {}).get('config')),
    ("meta['distill_cfg']", lambda c:
     (c.get('meta') or {}).get('distill_cfg')),
    ("message_hub['runtime_info']['cfg']", lambda c:
     ((c.get('message_hub') or {}).get('runtime_info') or {}).get('cfg')),
)


class UnsafeConfigText(ValueError):
    """Config text holds something other than literal assignments."""


def _refuse(node: ast.AST, source: str, text: str, what: str) -> None:
    line = getattr(node, 'lineno', 0)
    shown = ''
    if line:
        lines = text.splitlines()
        if 0 < line <= len(lines):
            shown = f': {lines[line - 1].strip()[:120]!r}'
    raise UnsafeConfigText(
        f'{source}: line {line} is {what}, not a literal config value'
        f'{shown}. Config text stored in a checkpoint is read as data only '
        '(no code runs from a checkpoint)')


def _value(node: ast.AST, source: str, text: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_value(e, source, text) for e in node.elts]
        if isinstance(node, ast.List):
            return items
        return tuple(items) if isinstance(node, ast.Tuple) else set(items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):  # {**other}
            _refuse(node, source, text, 'a dict unpacking')
        return {
            _value(k, source, text): _value(v, source, text)
            for k, v in zip(node.keys, node.values)
        }
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op,
                                                     (ast.USub, ast.UAdd))
            and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, (int, float, complex))
            and not isinstance(node.operand.value, bool)):
        value = node.operand.value
        return -value if isinstance(node.op, ast.USub) else value
    # `dict(a=1, b=2)` is how pretty_text writes nested dicts.
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == 'dict' and not node.args
            and all(k.arg is not None for k in node.keywords)):
        return {k.arg: _value(k.value, source, text) for k in node.keywords}
    _refuse(node, source, text, f'a {type(node).__name__} expression')


def parse_config_text(text: str, source: str = 'config text') -> Config:
    """The :class:`Config` that ``text`` describes, read without executing it.

    Only ``name = <literal>`` statements are accepted, where a literal is a
    number, string, bool, None, list, tuple, set, dict or ``dict(k=...)``
    call of literals. Anything else (imports, calls, attribute access,
    names, ``_base_`` inheritance, ...) raises :class:`UnsafeConfigText`
    naming ``source`` and the line.
    """
    if not isinstance(text, str):
        raise UnsafeConfigText(
            f'{source}: expected config text, got {type(text).__name__}')
    try:
        tree = ast.parse(text, mode='exec')
    except SyntaxError as e:
        raise UnsafeConfigText(
            f'{source}: not valid config text (line {e.lineno}: {e.msg})'
        ) from None
    cfg: Dict[str, Any] = {}
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            _refuse(stmt, source, text, f'a {type(stmt).__name__} statement')
        cfg[stmt.targets[0].id] = _value(stmt.value, source, text)
    return Config(cfg)


def unsafe_config_fields(ckpt: Any, source: str) -> Dict[str, str]:
    """The config-text fields of a loaded checkpoint that are not plain data.

    Returns ``{field: reason}``; an empty dict means every stored config
    text can be read with :func:`parse_config_text`.
    """
    bad: Dict[str, str] = {}
    if not isinstance(ckpt, dict):
        return bad
    for name, get in CONFIG_TEXT_FIELDS:
        try:
            text: Optional[Any] = get(ckpt)
        except AttributeError:  # a field that is not a dict
            continue
        if text is None:
            continue
        try:
            parse_config_text(text, f'{source} {name}')
        except UnsafeConfigText as e:
            bad[name] = str(e)
    return bad
