//! The storage destination input syntax: parsing what is typed, and the text an existing
//! destination is edited from.

use crate::api::network_policies::{StorageDestination, StorageDestinationType};
use serde_json::Map;

/// Parse the storage input syntax: `s3://bucket [region]`, `gs://bucket`,
/// `azure://account.service` (or `account.service.core.windows.net`).
pub fn parse_storage_input(text: &str) -> Result<StorageDestination, String> {
    let mut words = text.split_whitespace();
    let target = words
        .next()
        .ok_or("enter s3://bucket region, gs://bucket or azure://account.dfs")?;
    let extra = words.next();
    let blank = |t| StorageDestination {
        storage_destination_type: Some(t),
        bucket_name: None,
        region: None,
        azure_storage_account: None,
        azure_storage_service: None,
        extra: Map::new(),
    };
    if let Some(bucket) = target.strip_prefix("s3://") {
        let mut d = blank(StorageDestinationType::AwsS3);
        d.bucket_name = Some(bucket.trim_end_matches('/').to_owned());
        d.region = extra.map(str::to_owned);
        return Ok(d);
    }
    if let Some(bucket) = target.strip_prefix("gs://") {
        let mut d = blank(StorageDestinationType::GoogleCloudStorage);
        d.bucket_name = Some(bucket.trim_end_matches('/').to_owned());
        return Ok(d);
    }
    let azure = target
        .strip_prefix("azure://")
        .unwrap_or(target)
        .trim_end_matches(".core.windows.net");
    if let Some((account, service)) = azure.split_once('.') {
        let mut d = blank(StorageDestinationType::AzureStorage);
        d.azure_storage_account = Some(account.to_owned());
        d.azure_storage_service = Some(service.to_owned());
        return Ok(d);
    }
    Err("start with s3://, gs:// or azure:// (e.g. s3://my-bucket us-west-2)".into())
}

pub(super) fn storage_input_text(d: &StorageDestination) -> String {
    match d.storage_destination_type {
        Some(StorageDestinationType::AzureStorage) => format!(
            "azure://{}.{}",
            d.azure_storage_account.as_deref().unwrap_or(""),
            d.azure_storage_service.as_deref().unwrap_or("")
        ),
        Some(StorageDestinationType::GoogleCloudStorage) => {
            format!("gs://{}", d.bucket_name.as_deref().unwrap_or(""))
        }
        _ => format!(
            "s3://{} {}",
            d.bucket_name.as_deref().unwrap_or(""),
            d.region.as_deref().unwrap_or("")
        )
        .trim()
        .to_owned(),
    }
}
