//go:build tools

// Keeps the kube-apiserver main package in the module graph.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
