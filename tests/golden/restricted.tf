# Network policy "corp-egress" exported by dbx-tui.

terraform {
  required_providers {
    databricks = {
      source  = "databricks/databricks"
      version = ">= 1.113.0"
    }
  }
}

import {
  id = "corp-egress"
  to = databricks_account_network_policy.corp_egress
}

resource "databricks_account_network_policy" "corp_egress" {
  account_id        = "0d7f1c5e-1111-4a2b-9c3d-8e9f00112233"
  network_policy_id = "corp-egress"
  egress = {
    network_access = {
      restriction_mode = "RESTRICTED_ACCESS"
      allowed_internet_destinations = [
        {
          destination               = "pypi.org"
          internet_destination_type = "DNS_NAME"
        },
        {
          destination               = "files.pythonhosted.org"
          internet_destination_type = "DNS_NAME"
        },
        {
          destination               = "xn--bcher-kva.example"
          internet_destination_type = "DNS_NAME"
        },
      ]
      allowed_storage_destinations = [
        {
          storage_destination_type = "AWS_S3"
          bucket_name              = "corp-data-lake"
          region                   = "us-west-2"
        },
        {
          storage_destination_type = "AWS_S3"
          bucket_name              = "corp.logs"
          region                   = "eu-central-1"
        },
      ]
      policy_enforcement = {
        enforcement_mode = "ENFORCED"
      }
    }
  }
}

# Workspace "prod-analytics"
resource "databricks_workspace_network_option" "prod_analytics" {
  workspace_id      = 1111
  network_policy_id = databricks_account_network_policy.corp_egress.network_policy_id
}

# Workspace "Prod Analytics"
resource "databricks_workspace_network_option" "prod_analytics_3333" {
  workspace_id      = 3333
  network_policy_id = databricks_account_network_policy.corp_egress.network_policy_id
}
