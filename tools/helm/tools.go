//go:build tools

// Pins Helm for build.sh: the e2e tier and the sandbox install the chart with the real helm CLI,
// exactly as a user does. Nothing here is compiled into the project. go.sum also holds the
// modules of helm's main package (cmd/helm cannot be imported); refresh it with
// `go get helm.sh/helm/v3/cmd/helm@<version>`, not with `go mod tidy`, which would drop them.
package tools

import _ "helm.sh/helm/v3/pkg/action"
