# Network policy "ml.dry_run-01" exported by dbx-tui.
# These fields have no Terraform attribute and are NOT exported; apply would drop them:
#   egress.network_access.allowed_storage_destinations[1].future_flag = true
#   egress.network_access.future_rule = {"mode":"STRICT","note":"line one\nline two"}

terraform {
  required_providers {
    databricks = {
      source  = "databricks/databricks"
      version = ">= 1.113.0"
    }
  }
}

import {
  id = "ml.dry_run-01"
  to = databricks_account_network_policy.ml_dry_run_01
}

resource "databricks_account_network_policy" "ml_dry_run_01" {
  account_id        = "0d7f1c5e-1111-4a2b-9c3d-8e9f00112233"
  network_policy_id = "ml.dry_run-01"
  egress = {
    network_access = {
      restriction_mode = "RESTRICTED_ACCESS"
      allowed_internet_destinations = [
        {
          destination               = "huggingface.co"
          internet_destination_type = "DNS_NAME"
        },
      ]
      allowed_storage_destinations = [
        {
          storage_destination_type = "AZURE_STORAGE"
          azure_storage_account    = "mlstore01"
          azure_storage_service    = "dfs"
        },
        {
          storage_destination_type = "GOOGLE_CLOUD_STORAGE"
          bucket_name              = "ml-models_eu"
        },
      ]
      blocked_internet_destinations = [
        {
          destination               = "paste.example"
          internet_destination_type = "DNS_NAME"
        },
      ]
      allowed_databricks_destinations = [
        {
          workspace_ids = [1111, 2222]
        },
      ]
      policy_enforcement = {
        enforcement_mode            = "DRY_RUN"
        dry_run_mode_product_filter = ["DBSQL", "ML_SERVING"]
      }
    }
  }
  ingress = {
    public_access = {
      restriction_mode = "RESTRICTED_ACCESS"
      allow_rules = [
        {
          label = "say \"hi\" $${var.x} %%{if} C:\\temp"
          origin = {
            all_ip_ranges = true
          }
        },
      ]
    }
  }
}

# Workspace "ML \"team\" ${env}"
resource "databricks_workspace_network_option" "ml_team_env" {
  workspace_id      = 42
  network_policy_id = databricks_account_network_policy.ml_dry_run_01.network_policy_id
}
