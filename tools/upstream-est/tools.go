//go:build tools
// +build tools

// The RFC 7030 EST server the registration-authority test runs against: GlobalSign's estserver, pinned in go.mod
// and go.sum and built from the Go module proxy by tools/upstream-est/build.sh (its sources are never committed).
package tools

import _ "github.com/globalsign/est/cmd/estserver"
