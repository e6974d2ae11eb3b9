"""migrate_versions.py - the versions of one blueprint that
tests/e2e/migrate_test.sh commits one by one: together they cover every
kind of change a migration plans (DESIGN §4 "Migrations").

    python3 migrate_versions.py N      prints version N (1-based) as JSON
    python3 migrate_versions.py count  prints how many versions there are

A version is a function of the previous one, so each names only what it
changes. Version 4 is not valid JSON: the migrations skip it.
"""
import copy
import json
import sys

ALL = {"list": True, "read": True, "create": True, "update": True, "delete": True}
READ = {"list": True, "read": True, "create": False, "update": False, "delete": False}


def col(name, type_, **kw):
    c = {"name": name, "type": type_}
    c.update(kw)
    return c


def v1():
    return {
        "version": 2,
        "app": {"name": "Migrating Shop", "slug": "mig-shop", "description": "Walks through every migration step."},
        "data": {
            "tables": [
                {"name": "customers", "columns": [
                    col("name", "text", required=True, indexed=True),
                    col("email", "text", unique=True, format="email"),
                    col("notes", "text"),
                    col("tier", "text", enum=["basic", "gold"], default="basic"),
                ]},
                {"name": "orders", "columns": [
                    col("customer_id", "uuid", required=True),
                    col("total", "float", min=0),
                    col("status", "text", enum=["new", "paid"], default="new"),
                    col("note", "text", maxLength=200),
                ]},
                {"name": "products", "columns": [
                    col("title", "text", required=True),
                    col("price", "float"),
                ]},
                {"name": "tags", "columns": [col("label", "text", required=True, unique=True)]},
            ],
            "relationships": [
                {"type": "many_to_one", "fromTable": "orders", "fromColumn": "customer_id",
                 "toTable": "customers", "toColumn": "id", "onDelete": "restrict"},
            ],
        },
        "security": {
            "auth": {"enabled": True},
            "roles": ["Admin", "Clerk", "Viewer"],
            "permissions": [
                {"role": "Clerk", "resource": "customers", "actions": dict(ALL, delete=False)},
                {"role": "Clerk", "resource": "orders", "actions": ALL},
                {"role": "Clerk", "resource": "products", "actions": READ},
                {"role": "Clerk", "resource": "tags", "actions": READ},
                {"role": "Viewer", "resource": "orders", "actions": READ},
            ],
            "rowFilters": [
                {"role": "Clerk", "resource": "orders", "filter": {"equals": ["created_by", "$user.id"]}},
                {"role": "Viewer", "resource": "orders", "filter": {"in": ["status", ["paid"]]}},
            ],
        },
    }


def table(bp, name):
    return next(t for t in bp["data"]["tables"] if t["name"] == name)


def column(bp, tname, cname):
    return next(c for c in table(bp, tname)["columns"] if c["name"] == cname)


def v2(bp):
    # add columns (optional; required with a default and CHECKs) and a table
    table(bp, "customers")["columns"].append(col("phone", "text"))
    table(bp, "orders")["columns"].append(col("priority", "int", required=True, default=1, min=1, max=5))
    bp["data"]["tables"].append({"name": "suppliers", "columns": [col("company", "text", required=True)]})
    bp["security"]["permissions"].append({"role": "Clerk", "resource": "suppliers", "actions": READ})


def v3(bp):
    # rename a column and a table; drop a unique constraint; index a column
    c = column(bp, "customers", "notes")
    c["name"], c["renamedFrom"] = "remarks", "notes"
    t = table(bp, "products")
    t["name"], t["renamedFrom"] = "items", "products"
    for p in bp["security"]["permissions"]:
        if p["resource"] == "products":
            p["resource"] = "items"
    del column(bp, "customers", "email")["unique"]
    column(bp, "orders", "total")["indexed"] = True


def v5(bp):
    # widen a type, require a column with a default, change a default,
    # an enum and a maxLength
    column(bp, "orders", "priority")["type"] = "float"
    phone = column(bp, "customers", "phone")
    phone["required"], phone["default"] = True, ""
    column(bp, "customers", "tier")["default"] = "gold"
    column(bp, "orders", "status")["enum"] = ["new", "paid", "shipped"]
    column(bp, "customers", "name")["maxLength"] = 100


def v6(bp):
    # destructive, allowed: drop a column, narrow a type
    cols = table(bp, "customers")["columns"]
    cols[:] = [c for c in cols if c["name"] != "remarks"]
    column(bp, "items", "price")["type"] = "int"
    bp["migrations"] = {"allowDestructive": ["drop column customers.remarks", "alter column items.price type"]}


def v7(bp):
    # security: drop a role (allowed), add one with a row filter, change a
    # row filter, a signup role and an onDelete
    sec = bp["security"]
    sec["roles"] = ["Admin", "Clerk", "Manager"]
    sec["auth"]["signupRole"] = "Clerk"
    sec["permissions"] = [p for p in sec["permissions"] if p["role"] != "Viewer"]
    sec["permissions"].append({"role": "Manager", "resource": "customers", "actions": READ})
    sec["rowFilters"] = [
        {"role": "Clerk", "resource": "orders",
         "filter": {"or": [{"equals": ["created_by", "$user.id"]}, {"equals": ["status", "new"]}]}},
        {"role": "Manager", "resource": "customers", "filter": {"equals": ["tier", "gold"]}},
    ]
    bp["data"]["relationships"][0]["onDelete"] = "cascade"
    bp["migrations"]["allowDestructive"].append("drop role Viewer")


def v8(bp):
    # drop a table (allowed); a new FK column; loosen a column and a CHECK
    bp["data"]["tables"] = [t for t in bp["data"]["tables"] if t["name"] != "tags"]
    bp["security"]["permissions"] = [p for p in bp["security"]["permissions"] if p["resource"] != "tags"]
    table(bp, "items")["columns"].append(col("owner_id", "uuid"))
    bp["data"]["relationships"].append(
        {"type": "many_to_one", "fromTable": "items", "fromColumn": "owner_id",
         "toTable": "customers", "toColumn": "id", "onDelete": "set_null"})
    del column(bp, "orders", "note")["maxLength"]
    del column(bp, "customers", "phone")["required"]
    bp["migrations"]["allowDestructive"].append("drop table tags")


def v9(bp):
    # no schema change: only the description
    bp["app"]["description"] = "Walks through every migration step. Now with a longer description."


def v10(bp):
    # authentication off (allowed): every table opens, _users goes
    bp["security"] = {"auth": {"enabled": False}}
    bp["migrations"]["allowDestructive"].append("disable auth")


def v11(bp):
    # authentication on again, with other roles
    bp["security"] = {
        "auth": {"enabled": True},
        "roles": ["Owner", "Clerk"],
        "permissions": [
            {"role": "Clerk", "resource": "orders", "actions": ALL},
            {"role": "Clerk", "resource": "customers", "actions": READ},
        ],
        "rowFilters": [{"role": "Clerk", "resource": "orders", "filter": {"equals": ["created_by", "$user.id"]}}],
    }


STEPS = [None, v2, v3, "invalid", v5, v6, v7, v8, v9, v10, v11]


def version(n):
    bp = v1()
    for k in range(1, n):
        step = STEPS[k]
        if callable(step):
            step(bp)
    if STEPS[n - 1] == "invalid":
        return json.dumps(bp, indent=2)[:-3] + "\n"  # cut off: not JSON
    return json.dumps(copy.deepcopy(bp), indent=2) + "\n"


if __name__ == "__main__":
    if sys.argv[1] == "count":
        print(len(STEPS))
    else:
        sys.stdout.write(version(int(sys.argv[1])))
