"""``dapper debug``: a pdb-style terminal debugger that is just another DAP client.

It starts ``python -m dapper.adapter`` and drives it over stdio exactly as an
editor would, so everything it shows went through the protocol.
"""
