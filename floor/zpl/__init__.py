"""ZPL: build e-waybill labels (builder, fonts) and render ZPL to PNG offline (parse, render).

Pure: no I/O besides reading Debian font files. The renderer never drops or substitutes anything
silently: every ignored command, substituted font and malformed parameter is a Problem in the result.
"""
