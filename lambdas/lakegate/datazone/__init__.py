"""The SageMaker Catalog (DataZone) bridge: rules-based approval and S3 fulfilment."""
