"""How the open-data API shows a commune: its public identity, nothing about its people.

This module imports no model, so that the page models can name it in their `api_fields`.
"""

from rest_framework import serializers


class CommuneSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)
    insee_code = serializers.CharField(read_only=True)
