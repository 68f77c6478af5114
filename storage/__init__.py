"""Storage: the only package that talks SQL.  Small named query functions over SQLModel tables."""
