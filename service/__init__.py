"""The HTTP face of IMNM CDS: CDS Hooks 2.0 protocol, FHIR data access, configuration. Nothing clinical."""
