#!/usr/bin/env python3
"""Deterministic synthetic BlueprintV2 files for bench/run.sh.

    gen.py one   FILE  TABLES  [--seed N] [--rich]  one blueprint with TABLES tables
    gen.py many  DIR   COUNT   [--seed N] [--rich]  COUNT blueprints of 5-10 tables, DIR/<slug>.json
    gen.py sized DIR   COUNT TABLES [--seed N] [--rich]
                                          COUNT blueprints of exactly TABLES tables each
    gen.py large FILE  BYTES   [--seed N]           one blueprint of about BYTES bytes

The same arguments always give the same bytes (random.Random(seed), no
clock, no hash order). The blueprints look like real ones: tables of 8-15
columns of mixed types with enums, bounds and formats; many_to_one and
one_to_many relationships (including self references); roles with
permissions and row filters (equals / in / and / or, $user variables);
pages with TABLE, FORM, DETAIL, STAT-CARD, CHART, KANBAN, CALENDAR,
TIMELINE, CHAT, GALLERY and TREE blocks, navigation and modals. Each is
meant to pass `appgen check` without errors; run.sh verifies that.

--rich (the build benchmark) adds what real repositories also hold and
the emitters must handle: tables and columns named after SQL / Python
keywords (order, user, group; from, class, type, ...), foreign keys to
later tables (FK cycles), $user.role row filters, edit FORM blocks and
min / max stat cards. Without it the output is byte-for-byte what the
check benchmark has always used.
Python 3 standard library only.
"""
import json
import os
import random
import sys

NOUNS = """account activity address agent alert article asset attachment audit batch
benefit bill booking branch budget campaign candidate case category certificate channel
claim client comment community company complaint contact contract contribution course
customer deal delivery department deposit device discount document donation driver
employee enrollment equipment estimate event expense facility feedback field grant
incident inspection instructor insurance interview inventory invoice issue item job
journal lead lease lesson license location maintenance meeting member membership
message milestone mission note offer opportunity order organization partner patient
payment payroll permit pet phase plan policy position prescription product project
property proposal purchase quote receipt recipe referral region registration release
rental report request reservation resource review reward risk room route sample
schedule score season service session shift shipment site skill sponsor sprint stock
store subscription supplier survey task team template tenant territory test ticket
timesheet tour training transaction transfer trip unit vehicle vendor venue visit
volunteer voucher warehouse warranty webinar workshop""".split()

DOMAINS = """acme globex initech umbrella stark wayne wonka tyrell cyberdyne soylent
hooli pied vandelay kramerica dunder gringotts oscorp aperture black-mesa monarch
nakatomi weyland massive dynamic prestige ollivander duff krusty planet bluth""".split()

KINDS = """crm helpdesk inventory hr booking fleet clinic school events shop
projects assets billing lab facilities grants library kitchen garage farm""".split()

STATUS = [["draft", "active", "archived"], ["new", "open", "pending", "closed"],
          ["planned", "in_progress", "blocked", "done"], ["lead", "qualified", "won", "lost"],
          ["requested", "approved", "rejected"], ["low", "normal", "high", "urgent"],
          ["bronze", "silver", "gold", "platinum"]]

ROLE_SETS = [["Admin", "Manager", "Member"], ["Admin", "Agent", "Customer"],
             ["Admin", "Staff", "Viewer", "Auditor"], ["Owner", "Editor", "Reader"],
             ["Admin", "Sales", "Support", "Finance", "Guest"]]

# Names the generated SQL / Python must quote or map (DESIGN §3).
METRICS = ["sum", "avg", "max", "min"]

KEYWORD_TABLES = ["order", "user", "group"]
KEYWORD_COLUMNS = ["from", "class", "type", "select", "default", "import", "async"]

ICONS = ["home", "table", "user", "team", "calendar", "shop", "file", "dollar",
         "bar-chart", "setting", "inbox", "car", "book", "tool"]

ALL = {"list": True, "read": True, "create": True, "update": True, "delete": True}


def title(name):
    return name.replace("_", " ").capitalize()


def plural(noun):
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


class Gen:
    def __init__(self, seed, rich=False):
        self.r = random.Random(seed)
        self.rich = rich

    # ---- data -------------------------------------------------------------

    def table_names(self, n):
        """n distinct table identifiers, ^[a-z][a-z0-9_]{1,30}$."""
        r = self.r
        names, seen = [], set()
        nouns = NOUNS[:]
        r.shuffle(nouns)
        i = 0
        while len(names) < n:
            if i < len(nouns):
                name = plural(nouns[i])
            else:
                a, b = r.choice(NOUNS), r.choice(NOUNS)
                name = "%s_%s" % (a, plural(b))
                if len(name) > 27:
                    name = name[:27].rstrip("_")
                if name in seen:
                    name = "%s_%d" % (name[:24], i)
            i += 1
            if name not in seen:
                seen.add(name)
                names.append(name)
        if self.rich:
            # SQL reserved words as table names, in place of a few others
            for kw in KEYWORD_TABLES:
                if kw not in seen and r.random() < 0.5:
                    names[r.randrange(n)] = kw
                    seen.add(kw)
        return names

    def columns(self, table, fks):
        """8-15 columns; `fks` are the uuid foreign-key column names."""
        r = self.r
        cols = [{"name": "name", "type": "text", "required": True, "indexed": True,
                 "maxLength": r.choice([80, 120, 200]), "label": "Name"}]
        pool = [
            lambda: {"name": "status", "type": "text", "required": True,
                     "enum": (e := r.choice(STATUS)), "default": e[0]},
            lambda: {"name": "code", "type": "text", "unique": True, "maxLength": 32},
            lambda: {"name": "description", "type": "text", "maxLength": 20000},
            lambda: {"name": "notes", "type": "text"},
            lambda: {"name": "contact_email", "type": "text", "format": "email", "label": "E-mail"},
            lambda: {"name": "website", "type": "text", "format": "url"},
            lambda: {"name": "photo_url", "type": "text", "format": "image", "label": "Photo"},
            lambda: {"name": "amount", "type": "float", "min": 0, "label": "Amount"},
            lambda: {"name": "ratio", "type": "float", "min": 0, "max": 1},
            lambda: {"name": "quantity", "type": "int", "min": 0, "default": 0},
            lambda: {"name": "rating", "type": "int", "min": 1, "max": 5},
            lambda: {"name": "position", "type": "int"},
            lambda: {"name": "is_active", "type": "bool", "required": True, "default": True},
            lambda: {"name": "is_public", "type": "bool", "default": False},
            lambda: {"name": "start_date", "type": "date", "required": True},
            lambda: {"name": "end_date", "type": "date"},
            lambda: {"name": "due_at", "type": "timestamptz", "label": "Due"},
            lambda: {"name": "closed_at", "type": "timestamptz"},
            lambda: {"name": "metadata", "type": "jsonb"},
            lambda: {"name": "owner_id", "type": "uuid", "indexed": True, "label": "Owner"},
            lambda: {"name": "category", "type": "text",
                     "enum": ["general", "internal", "external", "other"]},
            lambda: {"name": "owner_email", "type": "text", "format": "email", "indexed": True},
        ]
        want = r.randint(8, 15) - 1 - len(fks)
        picks = r.sample(range(len(pool)), max(want, 4))
        picks.sort()
        for k in picks:
            cols.append(pool[k]())
        if self.rich and r.random() < 0.25:
            cols.append({"name": "audience", "type": "text", "required": True, "default": "everyone",
                         "maxLength": 40})
        if self.rich and r.random() < 0.35:
            kw = r.choice(KEYWORD_COLUMNS)
            cols.append(r.choice([
                {"name": kw, "type": "text", "maxLength": 64},
                {"name": kw, "type": "int", "min": 0},
                {"name": kw, "type": "date"},
                {"name": kw, "type": "text", "enum": ["a", "b", "c"], "default": "a"},
            ]))
        for fk in fks:
            cols.append({"name": fk, "type": "uuid", "label": title(fk[:-3])})
        return cols

    def data(self, n_tables):
        r = self.r
        names = self.table_names(n_tables)
        tables, rels = [], []
        for i, name in enumerate(names):
            fks, fk_rels = [], []
            # up to 2 references to earlier tables, sometimes one to itself
            for tgt in sorted(set(r.sample(range(i), min(i, r.choice([0, 1, 1, 2]))))):
                col = names[tgt][:27] + "_id"
                if col in fks:
                    continue
                fks.append(col)
                fk_rels.append((tgt, col))
            if r.random() < 0.08:
                fks.append("parent_id")
                fk_rels.append((i, "parent_id"))
            if self.rich and i + 1 < n_tables and r.random() < 0.1:
                # a reference to a later table: with the later table's own
                # references back, the foreign keys form a cycle
                tgt = r.randrange(i + 1, n_tables)
                col = names[tgt][:27] + "_id"
                if col not in fks:
                    fks.append(col)
                    fk_rels.append((tgt, col))
            cols = self.columns(name, fks)
            t = {"name": name, "label": title(name), "columns": cols}
            if r.random() < 0.2:
                t["primaryKey"] = "id"
            tables.append(t)
            for tgt, col in fk_rels:
                on_delete = r.choice(["restrict", "cascade", "set_null"])
                if tgt != i and r.random() < 0.3:
                    rel = {"type": "one_to_many", "fromTable": names[tgt], "fromColumn": "id",
                           "toTable": name, "toColumn": col}
                else:
                    rel = {"type": "many_to_one", "fromTable": name, "fromColumn": col,
                           "toTable": names[tgt], "toColumn": "id"}
                rel["onDelete"] = on_delete
                rel["ui"] = {"lookupLabelColumn": "name"}
                rels.append(rel)
        return tables, rels

    # ---- security ---------------------------------------------------------

    def row_filter(self, t):
        r = self.r
        cols = {c["name"]: c for c in t["columns"]}
        parts = []
        if "owner_id" in cols:
            parts.append({"equals": ["owner_id", "$user.id"]})
        parts.append({"equals": ["created_by", "$user.id"]})
        if "owner_email" in cols:
            parts.append({"equals": ["owner_email", "$user.email"]})
        if "status" in cols:
            e = cols["status"]["enum"]
            parts.append({"in": ["status", r.sample(e, r.randint(1, len(e)))]})
        if "is_public" in cols:
            parts.append({"equals": ["is_public", True]})
        if "is_active" in cols:
            parts.append({"equals": ["is_active", True]})
        if "audience" in cols:
            parts.append({"or": [{"equals": ["audience", "everyone"]}, {"equals": ["audience", "$user.role"]}]})
        r.shuffle(parts)
        if len(parts) == 1 or r.random() < 0.3:
            return parts[0]
        if len(parts) >= 3 and r.random() < 0.5:
            return {"or": [{"and": parts[:2]}, *parts[2:3]]}
        return {r.choice(["and", "or"]): parts[:r.randint(2, min(3, len(parts)))]}

    def security(self, tables):
        r = self.r
        roles = r.choice(ROLE_SETS)
        perms, filters = [], []
        for t in tables:
            perms.append({"role": roles[0], "resource": t["name"], "actions": dict(ALL)})
            for role in roles[1:]:
                if r.random() < 0.15:
                    continue  # no access at all
                acts = {"list": True, "read": True, "create": r.random() < 0.6,
                        "update": r.random() < 0.5, "delete": r.random() < 0.2}
                perms.append({"role": role, "resource": t["name"], "actions": acts})
                if r.random() < 0.35:
                    filters.append({"role": role, "resource": t["name"],
                                    "filter": self.row_filter(t)})
        auth = {"enabled": True, "accessTokenExpiryMinutes": r.choice([15, 30, 60, 480])}
        if r.random() < 0.3:
            auth["signupRole"] = roles[-1]
        return {"auth": auth, "roles": roles, "permissions": perms, "rowFilters": filters}

    # ---- ui ---------------------------------------------------------------

    def blocks(self, t, rels_by_table, modal_id):
        r = self.r
        name = t["name"]
        cols = {c["name"]: c for c in t["columns"]}
        shown = [c["name"] for c in t["columns"]][:6]
        blocks = []
        tb = {"type": "TABLE", "title": t["label"], "table": name, "columns": shown,
              "pageSize": r.choice([10, 25, 50]),
              "sort": {"column": r.choice(["created_at", "name"]), "order": r.choice(["asc", "desc"])}}
        if "status" in cols:
            tb["filters"] = ["status"]
        actions = [{"label": "Edit", "type": "edit"}, {"label": "Delete", "type": "delete"}]
        if modal_id:
            actions.insert(0, {"label": "New", "type": "openModal", "target": modal_id})
        else:
            actions.insert(0, {"label": "New", "type": "create"})
        tb["actions"] = actions
        blocks.append(tb)
        nums = [c["name"] for c in t["columns"] if c["type"] in ("int", "float")]
        if nums and r.random() < 0.6:
            blocks.append({"type": "STAT-CARD", "table": name, "metric": r.choice(METRICS[:4 if self.rich else 3]),
                           "column": nums[0], "label": "Total " + nums[0]})
        else:
            blocks.append({"type": "STAT-CARD", "table": name, "metric": "count", "label": t["label"]})
        enums = [c["name"] for c in t["columns"] if "enum" in c]
        if enums:
            y = {"metric": "sum", "column": nums[0]} if nums else {"metric": "count"}
            blocks.append({"type": "CHART", "table": name, "chartType": r.choice(["bar", "pie", "line"]),
                           "x": enums[0], "y": y})
            blocks.append({"type": "KANBAN", "table": name, "groupBy": enums[0], "titleColumn": "name",
                           "cardColumns": shown[1:3]})
        dates = [c["name"] for c in t["columns"] if c["type"] == "date"]
        stamps = [c["name"] for c in t["columns"] if c["type"] == "timestamptz"]
        if dates:
            cal = {"type": "CALENDAR", "table": name, "dateColumn": dates[0], "titleColumn": "name"}
            if len(dates) > 1:
                cal["endDateColumn"] = dates[1]
            blocks.append(cal)
        if stamps:
            tl = {"type": "TIMELINE", "table": name, "dateColumn": stamps[0], "titleColumn": "name"}
            if "description" in cols:
                tl["descriptionColumn"] = "description"
            blocks.append(tl)
        if "notes" in cols and r.random() < 0.5:
            blocks.append({"type": "CHAT", "table": name, "textColumn": "notes", "authorColumn": "name"})
        if "photo_url" in cols:
            blocks.append({"type": "GALLERY", "table": name, "imageColumn": "photo_url", "titleColumn": "name"})
        if "parent_id" in cols:
            blocks.append({"type": "TREE", "table": name, "parentColumn": "parent_id", "labelColumn": "name"})
        blocks.append({"type": "DETAIL", "table": name, "fields": shown})
        if self.rich and r.random() < 0.4:
            blocks.append({"type": "FORM", "table": name, "mode": "edit", "fields": shown,
                           "title": "Edit " + t["label"].lower()})
        return blocks

    def ui(self, tables, rels):
        r = self.r
        nav, pages, modals = [], [], []
        for i, t in enumerate(tables):
            pid = t["name"]
            modal_id = None
            if r.random() < 0.3:
                modal_id = "new_" + t["name"][:24]
                fields = [c["name"] for c in t["columns"] if c.get("required")] or ["name"]
                modals.append({"id": modal_id, "title": "New " + t["label"].lower(),
                               "size": r.choice(["small", "medium", "large"]),
                               "blocks": [{"type": "FORM", "table": t["name"], "mode": "create",
                                           "fields": fields}]})
            blocks = self.blocks(t, rels, modal_id)
            layout = {"type": r.choice(["single", "split", "grid", "tabs"])}
            if layout["type"] == "grid":
                layout["config"] = {"columns": 2}
            page = {"id": pid, "route": "/" + pid.replace("_", "-"), "title": t["label"],
                    "icon": r.choice(ICONS), "layout": layout, "blocks": blocks}
            pages.append(page)
            nav.append({"label": t["label"], "page": pid, "icon": page["icon"]})
        if tables:
            dash = [{"type": "STAT-CARD", "table": t["name"], "metric": "count", "label": t["label"]}
                    for t in tables[:4]]
            dash[0]["actions"] = [{"label": "Open", "type": "navigate", "target": tables[0]["name"]}]
            pages.insert(0, {"id": "dashboard", "route": "/", "title": "Dashboard",
                             "layout": {"type": "grid"}, "blocks": dash})
            nav.insert(0, {"label": "Dashboard", "page": "dashboard", "icon": "home"})
        return {"navigation": nav, "pages": pages, "modals": modals}

    # ---- whole blueprint --------------------------------------------------

    def blueprint(self, slug, n_tables, name=None):
        r = self.r
        tables, rels = self.data(n_tables)
        doc = {
            "version": 2,
            "app": {
                "name": name or title(slug.replace("-", " ")),
                "slug": slug,
                "description": "# %s\n\nSynthetic benchmark app with %d tables.\n\n- generated by bench/gen.py\n"
                               % (name or slug, n_tables),
                "status": "running" if r.random() < 0.9 else "stopped",
                "theme": {"primaryColor": "#%06x" % r.randrange(1 << 24), "mode": r.choice(["light", "dark"])},
            },
            "data": {"tables": tables, "relationships": rels},
            "security": self.security(tables),
            "ui": self.ui(tables, rels),
        }
        return doc


def dump(doc):
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main(argv):
    args = argv[1:]
    seed = 42
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    rich = "--rich" in args
    if rich:
        args.remove("--rich")
    arity = {"one": 3, "many": 3, "sized": 4, "large": 3}
    if not args or arity.get(args[0]) != len(args):
        sys.stderr.write(__doc__)
        return 2
    mode, path, n = args[0], args[1], int(args[2])
    if mode == "one":
        g = Gen(seed, rich)
        write(path, dump(g.blueprint("tables-%d" % n, n)))
    elif mode == "many":
        os.makedirs(path, exist_ok=True)
        g = Gen(seed, rich)
        seen = set()
        for i in range(n):
            base = "%s-%s" % (g.r.choice(DOMAINS), g.r.choice(KINDS))
            slug = base if base not in seen else "%s-%d" % (base, i)
            seen.add(slug)
            write(os.path.join(path, slug + ".json"), dump(g.blueprint(slug, g.r.randint(5, 10))))
    elif mode == "sized":
        # n different apps of the same size: seed, seed + 1, ...
        os.makedirs(path, exist_ok=True)
        tables = int(args[3])
        for i in range(n):
            slug = "tables-%d-%03d" % (tables, i + 1)
            write(os.path.join(path, slug + ".json"), dump(Gen(seed + i, rich).blueprint(slug, tables)))
    else:
        # grow the table count until the file is about n bytes
        lo, hi = 1, 64
        size = lambda k: len(dump(Gen(seed).blueprint("large-app", k)).encode())
        while size(hi) < n:
            lo, hi = hi, hi * 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if size(mid) < n:
                lo = mid
            else:
                hi = mid
        best = min((lo, hi), key=lambda k: abs(size(k) - n))
        write(path, dump(Gen(seed).blueprint("large-app", best)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
