"""OpenAPI description of the token authentication (loaded by ApiConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.TokenAuthentication"
    name = "staffToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "관리 화면(API 토큰)에서 발급한 개인 토큰: `Token smc_…` / "
                               "a personal token issued in the staff screens: `Token smc_…`"}


class LabelsInputScheme(OpenApiSerializerExtension):
    """A correction names the type, the topic or both: an empty one is refused, and the schema says so."""

    target_class = "api.serializers.LabelsInput"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["anyOf"] = [{"required": ["type"]}, {"required": ["topic"]}]
        return schema


class RequiredBody(AutoSchema):
    """The request body is required even when no single field is (a label correction names one or both)."""

    def _get_request_body(self, direction="request"):
        body = super()._get_request_body(direction)
        if body:
            body["required"] = True
        return body
