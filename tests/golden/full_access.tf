# Network policy "default-policy" exported by dbx-tui.

terraform {
  required_providers {
    databricks = {
      source  = "databricks/databricks"
      version = ">= 1.113.0"
    }
  }
}

import {
  id = "default-policy"
  to = databricks_account_network_policy.default_policy
}

resource "databricks_account_network_policy" "default_policy" {
  account_id        = "0d7f1c5e-1111-4a2b-9c3d-8e9f00112233"
  network_policy_id = "default-policy"
  egress = {
    network_access = {
      restriction_mode = "FULL_ACCESS"
    }
  }
}

# Workspace "Sandbox"
resource "databricks_workspace_network_option" "sandbox" {
  workspace_id      = 7001
  network_policy_id = databricks_account_network_policy.default_policy.network_policy_id
}
