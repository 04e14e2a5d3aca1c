"""One module per rule of clinical-rules.md, named ``rNN_<rule id>``; each defines RULE and evaluate()."""
