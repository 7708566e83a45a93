"""The reference deployment: HAProxy in front of N atlas servers, the API and PostgreSQL (deploy/README.md)."""
