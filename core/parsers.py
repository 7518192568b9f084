"""The API's JSON parser (settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).

A module of its own, importing only DRF's parsers: DRF imports the parser classes named in its
settings when `rest_framework.views` is first imported, and `core.api` imports that module, so
a parser defined in `core.api` could be looked up while `core.api` was half-imported."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a body nested too deeply for the decoder (RecursionError, a
    500 before) answered as any other unreadable body: 400 `parse_error`."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
