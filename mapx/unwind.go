package mapx

// unwinding runs a worker's loop of calls of fn and returns its error. If
// the loop does not return, because fn panicked or called runtime.Goexit,
// unwinding calls unwound first, while the goroutine unwinds: it stops the
// other workers at once, not once the group has taken the stack, and says
// what the worker left undone.
func unwinding(loop func() error, unwound func()) error {
	returned := false
	defer func() {
		if !returned {
			unwound()
		}
	}()
	err := loop()
	returned = true
	return err
}
