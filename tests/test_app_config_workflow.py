"""workflow_config against (a trimmed copy of) OM's openMetadataConnection JSON schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from omsecrets.components.app_config.workflow import AUTH_PROVIDERS, workflow_config
from omsecrets.components.settings import LOADERS, SUPPORTED_PROVIDERS, from_dict
from tests.test_app_config import CASES, case

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "openmetadata_connection_schema.json").read_text())


def server_config(settings):
    return workflow_config(settings)["workflowConfig"]["openMetadataServerConfig"]


def test_fixture_cites_its_source_and_says_it_is_trimmed():
    assert "openMetadataConnection.json" in SCHEMA["$comment"] and "TRIMMED" in SCHEMA["$comment"]
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_our_enums_are_within_the_schema():
    defs = SCHEMA["definitions"]
    assert set(SUPPORTED_PROVIDERS) <= set(defs["secretsManagerProvider"]["enum"])
    assert set(LOADERS) == set(defs["secretsManagerClientLoader"]["enum"])
    assert list(AUTH_PROVIDERS) == defs["authProvider"]["enum"]


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_workflow_config_validates(provider, loader, mode):
    settings = case(provider, loader, mode)
    config = server_config(settings)
    jsonschema.validate(config, SCHEMA)
    assert config == {
        "hostPort": "http://openmetadata.openmetadata.svc.cluster.local:8585/api",
        "authProvider": "openmetadata",
        "secretsManagerProvider": provider,
        "secretsManagerLoader": loader,
    }


def test_schema_rejects_what_om_would_reject():
    good = server_config(from_dict({"provider": "aws-ssm", "aws": {"region": "eu-west-1", "identity": {"mode": "pod-identity"}}}))
    for bad in ({"secretsManagerLoader": "vault"}, {"secretsManagerProvider": "vault"}, {"authProvider": "none"},
                {"secretsManager": "aws"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**good, **bad}, SCHEMA)


def test_unknown_auth_provider_names_the_setting():
    # settings refuse it, with the config error every other key gets ...
    with pytest.raises(ValueError, match="om-secrets:ingestion.authProvider: 'no-auth' is not allowed"):
        from_dict({"ingestion": {"authProvider": "no-auth"}})
    # ... and the renderer still refuses Settings built around that check
    import dataclasses

    base = from_dict({})
    settings = dataclasses.replace(base, ingestion=dataclasses.replace(base.ingestion, auth_provider="no-auth"))
    with pytest.raises(ValueError, match="om-secrets:ingestion.authProvider: 'no-auth'"):
        workflow_config(settings)
    custom = from_dict({"ingestion": {"authProvider": "custom-oidc", "hostPort": "https://om.example.com/api"}})
    assert server_config(custom)["authProvider"] == "custom-oidc"
    assert server_config(custom)["hostPort"] == "https://om.example.com/api"
