#!/usr/bin/env python3
"""Regenerate the dbx-tui emulator demo data (deterministic: same seed, same JSON).

Run from anywhere: `python3 assets/demo/generate.py`. The JSON files next to this script are what
the emulator embeds; this script only exists so they can be regenerated or extended reproducibly.
"""
import json
import os
import random
import uuid
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = random.Random(20260901)
# Secret times are written relative to this instant; the emulator shifts them to "now" at start so
# "expires in N days" stays meaningful whenever the demo runs.
REFERENCE = datetime(2026, 9, 1, tzinfo=timezone.utc)


def uid():
    return str(uuid.UUID(int=RNG.getrandbits(128), version=4))


def hexs(n):
    return "".join(RNG.choice("0123456789abcdef") for _ in range(n))


def digits(n):
    return str(RNG.randint(1, 9)) + "".join(RNG.choice("0123456789") for _ in range(n - 1))


def rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(y, m, d):
    return int(datetime(y, m, d, 9, 30, tzinfo=timezone.utc).timestamp() * 1000)


ACCOUNTS = [
    {"cloud": "aws", "name": "Acme Corp (AWS)"},
    {"cloud": "azure", "name": "Acme Corp (Azure)"},
    {"cloud": "gcp", "name": "Acme Corp (GCP)"},
]
for a in ACCOUNTS:
    a["account_id"] = uid()
    a["admin_token"] = f"dbxemu-admin-{a['cloud']}-{hexs(32)}"

# (name, region/location, status, tier, compute_mode, created)
WS = {
    "aws": [
        ("prod-analytics", "us-east-1", "RUNNING", "ENTERPRISE", "HYBRID", (2022, 3, 14)),
        ("dev-ml", "us-west-2", "RUNNING", "ENTERPRISE", "HYBRID", (2022, 6, 2)),
        ("finance-etl", "us-east-1", "RUNNING", "ENTERPRISE", "HYBRID", (2023, 1, 19)),
        ("staging-data-eng", "us-west-2", "RUNNING", "ENTERPRISE", "SERVERLESS", (2023, 9, 7)),
        ("marketing-bi", "eu-west-1", "RUNNING", "PREMIUM", "SERVERLESS", (2024, 4, 22)),
        ("sandbox-ds", "us-east-2", "PROVISIONING", "ENTERPRISE", "SERVERLESS", (2026, 8, 30)),
    ],
    "azure": [
        ("prod-lakehouse", "eastus2", "RUNNING", "PREMIUM", "HYBRID", (2021, 11, 3)),
        ("dev-analytics", "westeurope", "RUNNING", "PREMIUM", "HYBRID", (2022, 8, 15)),
        ("risk-modeling", "eastus", "FAILED", "PREMIUM", "HYBRID", (2026, 7, 28)),
        ("hr-reporting", "northeurope", "RUNNING", "STANDARD", "HYBRID", (2023, 5, 11)),
    ],
    "gcp": [
        ("gcp-prod-ml", "us-central1", "RUNNING", "PREMIUM", "HYBRID", (2023, 2, 1)),
        ("gcp-dev-sandbox", "europe-west1", "RUNNING", "PREMIUM", "SERVERLESS", (2024, 1, 9)),
        ("gcp-data-sharing", "us-east4", "RUNNING", "PREMIUM", "HYBRID", (2024, 10, 30)),
    ],
}
STATUS_MSG = {
    "RUNNING": "Workspace is running.",
    "PROVISIONING": "Workspace resources are being set up.",
    "FAILED": "Workspace failed to deploy: the managed resource group "
              "'databricks-rg-risk-modeling-7hq2' already exists in subscription.",
}

workspaces = []
for acc in ACCOUNTS:
    cloud = acc["cloud"]
    sub = uid()
    for (name, loc, status, tier, mode, created) in WS[cloud]:
        wid = int(digits(16)) if cloud != "aws" else int(digits(13))
        w = {"workspace_id": wid, "workspace_name": name, "account_id": acc["account_id"], "cloud": cloud}
        if cloud == "aws":
            w["deployment_name"] = f"acme-{name}"
            w["aws_region"] = loc
            w["credentials_id"] = uid()
            w["storage_configuration_id"] = uid()
            w["network_id"] = uid()
        elif cloud == "azure":
            w["deployment_name"] = f"adb-{wid}.{RNG.randint(1, 19)}"
            w["location"] = loc
            w["azure_workspace_info"] = {"subscription_id": sub, "resource_group": f"rg-{name}"}
        else:
            w["deployment_name"] = str(wid) + "." + str(RNG.randint(1, 9))
            w["location"] = loc
            w["cloud_resource_container"] = {"gcp": {"project_id": f"acme-{name}-{digits(4)}"}}
            w["gke_config"] = {"connectivity_type": "PRIVATE_NODE_PUBLIC_MASTER", "master_ip_range": "10.3.0.0/28"}
        w["workspace_status"] = status
        w["workspace_status_message"] = STATUS_MSG[status]
        w["creation_time"] = epoch_ms(*created)
        w["pricing_tier"] = tier
        w["compute_mode"] = mode
        w["storage_mode"] = "CUSTOMER_HOSTED" if mode == "HYBRID" else "DEFAULT_STORAGE"
        w["custom_tags"] = {"owner": "platform-team", "env": name.split("-")[0].replace("gcp", "prod")}
        workspaces.append(w)


def dns(*names):
    return [{"destination": n, "internet_destination_type": "DNS_NAME"} for n in names]


def restricted(internet, storage, mode=None, products=None, **extra):
    na = {"restriction_mode": "RESTRICTED_ACCESS",
          "allowed_internet_destinations": internet,
          "allowed_storage_destinations": storage}
    if mode:
        na["policy_enforcement"] = {"enforcement_mode": mode}
        if products is not None:
            na["policy_enforcement"]["dry_run_mode_product_filter"] = products
    na.update(extra)
    return {"egress": {"network_access": na}}


def s3(bucket, region):
    return {"storage_destination_type": "AWS_S3", "bucket_name": bucket, "region": region}


def adls(account, service="dfs"):
    return {"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": account,
            "azure_storage_service": service}


def gcs(bucket):
    return {"storage_destination_type": "GOOGLE_CLOUD_STORAGE", "bucket_name": bucket}


PY = ("pypi.org", "files.pythonhosted.org")
POLICIES = {
    "aws": {
        "corp-egress": restricted(dns(*PY, "github.com", "objects.githubusercontent.com", "api.snowflakecomputing.com"),
                                  [s3("acme-raw-landing", "us-east-1"), s3("acme-curated", "us-west-2"),
                                   s3("acme-partner-drop", "eu-west-1")], "ENFORCED"),
        "ml-serving-lockdown": restricted(dns("huggingface.co", "cdn-lfs.huggingface.co", *PY),
                                          [s3("acme-model-artifacts", "us-west-2")], "DRY_RUN", ["ML_SERVING"]),
        "finance-strict": restricted(dns("api.stripe.com"), [s3("acme-finance-ledger", "us-east-1")], "ENFORCED",
                                     blocked_internet_destinations=dns("pastebin.com")),
        "marketing-dryrun": restricted(dns(*PY, "api.hubapi.com", "graph.facebook.com"),
                                       [s3("acme-marketing-exports", "eu-west-1")], "DRY_RUN", []),
    },
    "azure": {
        "corp-egress": restricted(dns(*PY, "github.com", "login.microsoftonline.com"),
                                  [adls("acmeprodlake"), adls("acmerawlanding", "blob")], "ENFORCED"),
        "finance-strict": restricted(dns("api.stripe.com"), [adls("acmefinledger")], "ENFORCED"),
        "ml-serving-lockdown": restricted(dns("huggingface.co", *PY), [adls("acmemlmodels", "blob")],
                                          "DRY_RUN", ["ML_SERVING", "DBSQL"]),
    },
    "gcp": {
        "corp-egress": restricted(dns(*PY, "github.com", "storage.googleapis.com"),
                                  [gcs("acme-gcp-landing"), gcs("acme-ml-features")], "ENFORCED"),
        "sharing-partners": restricted(dns("partner-api.example-retail.com"), [gcs("acme-delta-sharing")],
                                       "DRY_RUN", []),
    },
}
BINDINGS = {
    "aws": {"prod-analytics": "corp-egress", "dev-ml": "ml-serving-lockdown", "finance-etl": "finance-strict",
            "marketing-bi": "marketing-dryrun", "staging-data-eng": "corp-egress"},
    "azure": {"prod-lakehouse": "corp-egress", "hr-reporting": "finance-strict"},
    "gcp": {"gcp-prod-ml": "corp-egress", "gcp-data-sharing": "sharing-partners"},
}

policies, bindings = [], []
for acc in ACCOUNTS:
    aid, cloud = acc["account_id"], acc["cloud"]
    policies.append({"network_policy_id": "default-policy", "account_id": aid,
                     "egress": {"network_access": {"restriction_mode": "FULL_ACCESS"}}})
    for pid, body in POLICIES[cloud].items():
        policies.append({"network_policy_id": pid, "account_id": aid, **body})
    for w in workspaces:
        if w["account_id"] == aid and w["workspace_name"] in BINDINGS[cloud]:
            bindings.append({"account_id": aid, "workspace_id": w["workspace_id"],
                             "network_policy_id": BINDINGS[cloud][w["workspace_name"]]})

TEAMS = ["etl", "ml", "bi", "finance", "marketing", "platform", "security", "data-eng", "ops", "risk", "hr", "sales"]
JOBS = ["nightly-loader", "hourly-sync", "feature-store", "model-trainer", "dashboard-refresh", "ingest",
        "dq-checks", "backfill", "export", "scorer", "cdc-stream", "reverse-etl", "audit-collector"]
TOOLS = ["terraform-ci", "github-actions-deploy", "airflow-prod", "dbt-cloud", "fivetran-connector",
         "azure-devops-release", "jenkins-builder", "tableau-extracts", "powerbi-gateway", "monte-carlo-observer",
         "unity-catalog-sync", "okta-scim-bridge"]
COUNTS = {"aws": 150, "azure": 90, "gcp": 60}
ENTITLEMENTS = ["workspace-access", "databricks-sql-access", "allow-cluster-create"]

sps, used_names = [], set()
for acc in ACCOUNTS:
    aid, cloud = acc["account_id"], acc["cloud"]
    ws_ids = [w["workspace_id"] for w in workspaces if w["account_id"] == aid]
    for i in range(COUNTS[cloud]):
        sp = {"account_id": aid, "id": digits(16), "applicationId": uid()}
        if i == 0:
            name = "dbx-tui-admin"
        elif i <= len(TOOLS) and RNG.random() < 0.8:
            name = TOOLS[i - 1]
        else:
            name = f"{RNG.choice(TEAMS)}-{RNG.choice(JOBS)}"
            if (aid, name) in used_names:
                name = f"{name}-{RNG.randint(2, 99)}"
        used_names.add((aid, name))
        # Workspace-created SPs can surface with no displayName at account level.
        if i != 0 and RNG.random() < 0.04:
            name = None
        if name is not None:
            sp["displayName"] = name
        sp["active"] = i == 0 or RNG.random() > 0.08
        if i != 0 and RNG.random() < 0.3:
            sp["externalId"] = uid()
        roles = []
        if i == 0 or RNG.random() < 0.05:
            roles.append({"value": "account_admin"})
        elif RNG.random() < 0.1:
            roles.append({"value": "marketplace.admin"})
        sp["roles"] = roles
        sp["entitlements"] = [{"value": e} for e in ENTITLEMENTS if RNG.random() < 0.6]
        sp["workspace_ids"] = ws_ids if i == 0 else sorted(RNG.sample(ws_ids, RNG.randint(0, min(3, len(ws_ids)))))
        secrets = []
        for _ in range(1 if i == 0 else RNG.choice([0, 1, 1, 1, 2, 2, 3])):
            # Expiry within 2 years; about one in six lands within the next 30 days.
            if RNG.random() < 0.17:
                expire = REFERENCE + timedelta(days=RNG.randint(1, 29), hours=RNG.randint(0, 23))
            else:
                expire = REFERENCE + timedelta(days=RNG.randint(31, 700), hours=RNG.randint(0, 23))
            create = expire - timedelta(days=730)
            secrets.append({"id": digits(14), "status": "ACTIVE", "secret_hash": hexs(8),
                            "create_time": rfc3339(create), "update_time": rfc3339(create),
                            "expire_time": rfc3339(expire)})
        sp["secrets"] = secrets
        sps.append(sp)
    admin = next(s for s in sps if s["account_id"] == aid)
    acc["client_id"] = admin["applicationId"]
    acc["client_secret"] = "dose" + hexs(32)
    pat_ws = next(w for w in workspaces if w["account_id"] == aid and w["workspace_status"] == "RUNNING")
    acc["workspace_pat"] = {"workspace_id": pat_ws["workspace_id"], "token": "dapi" + hexs(32)}
    acc["admin_user"] = f"admin@acme-{cloud}.example.com"


def dump(name, obj):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


dump("accounts.json", ACCOUNTS)
dump("workspaces.json", workspaces)
dump("network_policies.json", policies)
dump("bindings.json", bindings)
dump("service_principals.json", {"reference_time": rfc3339(REFERENCE), "service_principals": sps})
