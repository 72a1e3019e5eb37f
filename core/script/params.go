package script

import (
	"errors"
	"fmt"
	"go/token"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// param is a parameter bound to the interpreter's storage of its variable.
type param struct {
	Param
	v reflect.Value
}

// setParams collects the plugin's parameters from its exported variables
// and applies the "key=value" settings of its reference, reporting every
// problem at once.
func setParams(file string, fset *token.FileSet, vars []exportedVar, exports map[string]reflect.Value, args []string) ([]Param, error) {
	var errs []error
	var ps []param
	for _, ev := range vars {
		v, ok := exports[ev.name]
		if !ok {
			continue
		}
		typ := paramType(v)
		if typ == "" {
			errs = append(errs, fmt.Errorf("%s: exported variable %s has type %s; plugin parameters must be float64, int, bool or string (unexport it if it is not a parameter)",
				fset.Position(ev.pos), ev.name, v.Type()))
			continue
		}
		if !v.CanSet() {
			errs = append(errs, fmt.Errorf("%s: exported variable %s cannot be set", fset.Position(ev.pos), ev.name))
			continue
		}
		val := formatValue(v)
		ps = append(ps, param{Param{Name: ev.name, Type: typ, Value: val, Default: val}, v})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	seen := map[string]string{}
	for _, a := range args {
		key, value, ok := strings.Cut(a, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			errs = append(errs, fmt.Errorf("%s: parameter setting %q is not key=value (%s)", file, a, describe(ps)))
			continue
		}
		q := lookupParam(ps, key)
		if q == nil {
			errs = append(errs, fmt.Errorf("%s: unknown parameter %q (%s)", file, key, describe(ps)))
			continue
		}
		if prev, dup := seen[q.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: parameter %s set twice (%s and %s)", file, q.Name, prev, a))
			continue
		}
		seen[q.Name] = a
		x, err := parseValue(q.Type, value)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: parameter %s: %q is not a valid %s (%s)", file, q.Name, value, q.Type, describe(ps)))
			continue
		}
		q.v.Set(reflect.ValueOf(x).Convert(q.v.Type()))
		q.Value = formatValue(q.v)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out := make([]Param, len(ps))
	for i, q := range ps {
		out[i] = q.Param
	}
	return out, nil
}

// lookupParam finds a parameter by case-insensitive name. An exact match
// wins over a case-insensitive one.
func lookupParam(ps []param, key string) *param {
	var found *param
	for i := range ps {
		if ps[i].Name == key {
			return &ps[i]
		}
		if found == nil && strings.EqualFold(ps[i].Name, key) {
			found = &ps[i]
		}
	}
	return found
}

// describe lists the parameters for an error message.
func describe(ps []param) string {
	if len(ps) == 0 {
		return "the plugin has no parameters"
	}
	s := make([]string, len(ps))
	for i, q := range ps {
		s[i] = fmt.Sprintf("%s %s = %s", q.Name, q.Type, q.Default)
	}
	return "parameters: " + strings.Join(s, ", ")
}

// paramType returns the parameter type name of v, or "" if v cannot be a
// parameter.
func paramType(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Float64:
		return "float64"
	case reflect.Int:
		return "int"
	case reflect.Bool:
		return "bool"
	case reflect.String:
		return "string"
	}
	return ""
}

// parseValue parses s as a value of the parameter type typ.
func parseValue(typ, s string) (any, error) {
	if typ == "string" {
		return s, nil
	}
	s = strings.TrimSpace(s)
	switch typ {
	case "float64":
		return strconv.ParseFloat(s, 64)
	case "int":
		return strconv.Atoi(s)
	case "bool":
		return strconv.ParseBool(s)
	}
	return s, nil
}

// formatValue formats a parameter value as a reference would set it.
func formatValue(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Int:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	}
	return v.String()
}
