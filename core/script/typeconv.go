package script

import (
	"go/constant"
	"go/token"
	"go/types"
	"path"
	"reflect"
)

// symbolImporter imports, for the pre-compilation checks, the packages of
// the interpreter's symbol tables as go/types packages built by reflection
// from the compiled symbols: types (with their methods), functions,
// variables and constants. Generic functions, which the tables do not carry
// as typed values, are left out, so expressions that use them get no type;
// the checks only use the types they do get.
type symbolImporter struct {
	syms  *symbolSet
	pkgs  map[string]*types.Package
	done  map[string]bool
	named map[reflect.Type]*types.Named
}

func newSymbolImporter(syms *symbolSet) *symbolImporter {
	return &symbolImporter{
		syms:  syms,
		pkgs:  map[string]*types.Package{},
		done:  map[string]bool{},
		named: map[reflect.Type]*types.Named{},
	}
}

// Import returns the package of import path p with its exported symbols.
func (si *symbolImporter) Import(p string) (*types.Package, error) {
	pkg := si.pkg(p)
	if !si.done[p] {
		si.done[p] = true
		si.populate(pkg)
		pkg.MarkComplete()
	}
	return pkg, nil
}

// pkg returns the (possibly still empty) package of import path p.
func (si *symbolImporter) pkg(p string) *types.Package {
	if pkg, ok := si.pkgs[p]; ok {
		return pkg
	}
	name, ok := si.syms.pkgName(p)
	if !ok {
		name = path.Base(p)
	}
	pkg := types.NewPackage(p, name)
	si.pkgs[p] = pkg
	return pkg
}

// populate declares the symbols of the package's tables in its scope.
func (si *symbolImporter) populate(pkg *types.Package) {
	for _, e := range si.syms.exports {
		table := e[pkg.Path()+"/"+pkg.Name()]
		for name, v := range table {
			if !token.IsExported(name) || !v.IsValid() {
				continue
			}
			var obj types.Object
			switch {
			case v.Kind() == reflect.Pointer && v.IsNil() && !v.CanAddr():
				// A type, given as a nil pointer to it.
				t := v.Type().Elem()
				if t.Name() != name || t.PkgPath() != pkg.Path() {
					// An alias, such as os.File for the sandbox's file.
					obj = types.NewTypeName(token.NoPos, pkg, name, si.typ(t))
					break
				}
				obj = si.typ(t).(*types.Named).Obj()
			case v.Kind() == reflect.Func && !v.CanAddr():
				obj = types.NewFunc(token.NoPos, pkg, name, si.typ(v.Type()).(*types.Signature))
			case v.CanAddr():
				obj = types.NewVar(token.NoPos, pkg, name, si.typ(v.Type()))
			default:
				obj = si.constant(pkg, name, v)
				if obj == nil {
					continue
				}
			}
			pkg.Scope().Insert(obj)
		}
	}
}

// constant converts a constant of a symbol table: an untyped one is held
// as a constant.Value, a typed one as a value of its type. It returns nil
// for a value it cannot convert.
func (si *symbolImporter) constant(pkg *types.Package, name string, v reflect.Value) types.Object {
	if c, ok := v.Interface().(constant.Value); ok {
		var t types.BasicKind
		switch c.Kind() {
		case constant.Bool:
			t = types.UntypedBool
		case constant.String:
			t = types.UntypedString
		case constant.Int:
			t = types.UntypedInt
		case constant.Float:
			t = types.UntypedFloat
		case constant.Complex:
			t = types.UntypedComplex
		default:
			return nil
		}
		return types.NewConst(token.NoPos, pkg, name, types.Typ[t], c)
	}
	var c constant.Value
	switch v.Kind() {
	case reflect.Bool:
		c = constant.MakeBool(v.Bool())
	case reflect.String:
		c = constant.MakeString(v.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c = constant.MakeInt64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		c = constant.MakeUint64(v.Uint())
	case reflect.Float32, reflect.Float64:
		c = constant.MakeFloat64(v.Float())
	default:
		return nil
	}
	return types.NewConst(token.NoPos, pkg, name, si.typ(v.Type()), c)
}

// typ converts a reflect type to a go/types type.
func (si *symbolImporter) typ(t reflect.Type) types.Type {
	switch {
	case t.Name() == "":
		return si.unnamed(t)
	case t.PkgPath() != "":
		return si.namedType(t)
	case t.Kind() == reflect.Interface:
		return types.Universe.Lookup("error").Type()
	}
	return basic(t.Kind())
}

// namedType converts a defined type, with its exported methods.
func (si *symbolImporter) namedType(t reflect.Type) types.Type {
	if n, ok := si.named[t]; ok {
		return n
	}
	pkg := si.pkg(t.PkgPath())
	n := types.NewNamed(types.NewTypeName(token.NoPos, pkg, t.Name(), nil), nil, nil)
	si.named[t] = n
	n.SetUnderlying(si.unnamed(t))
	if t.Kind() == reflect.Interface {
		return n
	}
	pt := reflect.PointerTo(t)
	for i := 0; i < pt.NumMethod(); i++ {
		m := pt.Method(i)
		if !m.IsExported() {
			continue
		}
		recv := types.NewVar(token.NoPos, pkg, "", types.NewPointer(n))
		n.AddMethod(types.NewFunc(token.NoPos, pkg, m.Name, si.signature(recv, m.Type, 1)))
	}
	return n
}

// unnamed converts the structure of t, ignoring its name.
func (si *symbolImporter) unnamed(t reflect.Type) types.Type {
	switch t.Kind() {
	case reflect.Pointer:
		return types.NewPointer(si.typ(t.Elem()))
	case reflect.Slice:
		return types.NewSlice(si.typ(t.Elem()))
	case reflect.Array:
		return types.NewArray(si.typ(t.Elem()), int64(t.Len()))
	case reflect.Map:
		return types.NewMap(si.typ(t.Key()), si.typ(t.Elem()))
	case reflect.Chan:
		dir := types.SendRecv
		switch t.ChanDir() {
		case reflect.SendDir:
			dir = types.SendOnly
		case reflect.RecvDir:
			dir = types.RecvOnly
		}
		return types.NewChan(dir, si.typ(t.Elem()))
	case reflect.Func:
		return si.signature(nil, t, 0)
	case reflect.Interface:
		return si.iface(t)
	case reflect.Struct:
		fields := make([]*types.Var, t.NumField())
		for i := range fields {
			f := t.Field(i)
			var pkg *types.Package
			if f.PkgPath != "" {
				pkg = si.pkg(f.PkgPath)
			}
			fields[i] = types.NewField(token.NoPos, pkg, f.Name, si.typ(f.Type), f.Anonymous)
		}
		return types.NewStruct(fields, nil)
	}
	return basic(t.Kind())
}

// iface converts an interface type with its exported methods.
func (si *symbolImporter) iface(t reflect.Type) *types.Interface {
	var methods []*types.Func
	for i := 0; i < t.NumMethod(); i++ {
		m := t.Method(i)
		if !m.IsExported() {
			continue
		}
		methods = append(methods, types.NewFunc(token.NoPos, nil, m.Name, si.signature(nil, m.Type, 0)))
	}
	return types.NewInterfaceType(methods, nil).Complete()
}

// signature converts a function type, skipping its first skip inputs (the
// receiver of a method value).
func (si *symbolImporter) signature(recv *types.Var, t reflect.Type, skip int) *types.Signature {
	var in, out []*types.Var
	for i := skip; i < t.NumIn(); i++ {
		in = append(in, types.NewParam(token.NoPos, nil, "", si.typ(t.In(i))))
	}
	for i := 0; i < t.NumOut(); i++ {
		out = append(out, types.NewParam(token.NoPos, nil, "", si.typ(t.Out(i))))
	}
	return types.NewSignatureType(recv, nil, nil, types.NewTuple(in...), types.NewTuple(out...), t.IsVariadic())
}

// basic converts a basic kind.
func basic(k reflect.Kind) types.Type {
	switch k {
	case reflect.Bool:
		return types.Typ[types.Bool]
	case reflect.Int:
		return types.Typ[types.Int]
	case reflect.Int8:
		return types.Typ[types.Int8]
	case reflect.Int16:
		return types.Typ[types.Int16]
	case reflect.Int32:
		return types.Typ[types.Int32]
	case reflect.Int64:
		return types.Typ[types.Int64]
	case reflect.Uint:
		return types.Typ[types.Uint]
	case reflect.Uint8:
		return types.Typ[types.Uint8]
	case reflect.Uint16:
		return types.Typ[types.Uint16]
	case reflect.Uint32:
		return types.Typ[types.Uint32]
	case reflect.Uint64:
		return types.Typ[types.Uint64]
	case reflect.Uintptr:
		return types.Typ[types.Uintptr]
	case reflect.Float32:
		return types.Typ[types.Float32]
	case reflect.Float64:
		return types.Typ[types.Float64]
	case reflect.Complex64:
		return types.Typ[types.Complex64]
	case reflect.Complex128:
		return types.Typ[types.Complex128]
	case reflect.String:
		return types.Typ[types.String]
	case reflect.UnsafePointer:
		return types.Typ[types.UnsafePointer]
	}
	return types.Typ[types.Invalid]
}
