package ws

import "reflect"

// setNoTakeover sets DeflateOptions.NoContextTakeover when the type has
// that field (it is a placeholder until permessage-deflate lands).
func setNoTakeover(d *DeflateOptions, v bool) {
	if f := reflect.ValueOf(d).Elem().FieldByName("NoContextTakeover"); f.IsValid() && f.CanSet() {
		f.SetBool(v)
	}
}
