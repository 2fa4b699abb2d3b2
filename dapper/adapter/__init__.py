"""The DAP adapter that editors start: ``python -m dapper.adapter``."""
