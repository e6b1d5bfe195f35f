package bench

// fanout is the toolkit itself. mapx and pool are not on this branch yet:
// until they are merged in, fanout does only what errgroupx can, which is
// nothing here (errgroupx has its own contender), and every table says n/a.
var fanout = &Contender{
	Name:   "fanout",
	Module: "github.com/fanout-go/fanout",
	Note:   "waiting for mapx and pool",
}
