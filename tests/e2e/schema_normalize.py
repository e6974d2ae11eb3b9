"""schema_normalize.py - pg_dump --schema-only output (stdin) in a form two
databases can be compared by: comments, SET lines, blank lines and the
random \restrict keys of newer pg_dumps go, and
the column lines of each CREATE TABLE are sorted (ALTER TABLE ADD COLUMN
appends, so a migrated table's physical column order may differ from a
freshly created one; nothing else may)."""
import sys


def normalize(text):
    out, block = [], None
    for line in text.splitlines():
        if block is not None:
            if line.startswith(");"):
                out.extend(sorted(block))
                out.append(line)
                block = None
            else:
                block.append(line.rstrip(","))
            continue
        if not line.strip() or line.startswith("--") or line.startswith("SET ") or \
                line.startswith("SELECT pg_catalog.set_config") or \
                line.startswith("\\restrict ") or line.startswith("\\unrestrict "):
            continue
        out.append(line)
        if line.startswith("CREATE TABLE ") and line.endswith("("):
            block = []
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(normalize(sys.stdin.read()))
