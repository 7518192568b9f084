"""The posting-policy rule engine: each rule kind turns a draft into findings."""
