"""SBOM writers and readers: CycloneDX 1.6 and SPDX 2.3, through their reference libraries."""
