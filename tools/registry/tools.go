//go:build tools

// Pins the CNCF distribution registry (the reference OCI registry) for build.sh; the webhook's
// registry-lookup tests push images to it and read them back. Nothing here is compiled into the
// project.
package tools

import _ "github.com/distribution/distribution/v3/registry"
