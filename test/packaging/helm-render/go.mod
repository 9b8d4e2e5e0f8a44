// Built in GOPATH mode (GO111MODULE=off) against Debian's Go sources in /usr/share/gocode: no
// downloads. This file marks the directory as a separate Go program for the tooling.
module paiflow.dev/helm-render

go 1.19
