"""om-secrets policy rules: the Pulumi policy pack (``__main__``) and ``omsecrets check`` share them."""
