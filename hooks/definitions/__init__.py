"""The shared definitions of clinical-rules.md section 4, one module each, computed once and read by many rules."""
