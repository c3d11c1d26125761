//go:build tools

// Keeps the Pulumi CLI main package in the module graph.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
