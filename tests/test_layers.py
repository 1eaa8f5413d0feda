"""Dependencies point one way: cli → stream → tools | broker | zookeeper → protocol (checked by walking imports)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kcli"
LAYERS = ("cli", "tools", "broker", "zookeeper", "protocol", "config", "stream")
FORBIDDEN = {
    "protocol": {"cli", "tools", "broker", "zookeeper", "asyncio", "socket", "typer", "rich"},
    "broker": {"cli", "tools", "zookeeper", "typer", "rich"},
    "zookeeper": {"cli", "tools", "broker", "typer", "rich"},
    "tools": {"cli", "typer", "rich", "zookeeper", "broker"},
    "config": {"cli", "tools", "broker", "zookeeper", "typer", "rich"},
    "stream": {"cli", "broker", "zookeeper", "typer", "rich"},
}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _target(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "kcli" and len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return parts[0]


def test_layers_import_only_downwards():
    problems = []
    for layer, forbidden in FORBIDDEN.items():
        for path in (PACKAGE / layer).rglob("*.py"):
            for module in _imports(path):
                if _target(module) in forbidden:
                    problems.append(f"{path.relative_to(PACKAGE.parent)} imports {module}")
    assert not problems, "\n".join(problems)
