// etcd server for the e2e API server: the same entry point as etcd's own main, built from the module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
