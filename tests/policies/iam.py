"""IAM policy documents for the IAM rule tests."""

import json

POLICY_TYPES = (
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
)
ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/openmetadata/*"


def statement(actions, resource=ARN, effect="Allow", sid=None, **extra):
    s = {"Effect": effect, "Action": actions, "Resource": resource, **extra}
    if resource is None:
        del s["Resource"]
    if actions is None:
        del s["Action"]
    return {"Sid": sid, **s} if sid else s


def document(*statements, as_text=True):
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    return json.dumps(doc) if as_text else doc
