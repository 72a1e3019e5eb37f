package model

// NewWeights returns a model of shape c holding only its initial weights
// (drawn from seed exactly as New draws them) and its freeze mask: no
// gradients and no activations, so it cannot run a pass. It is what a
// planner needs to write a run's initial weights at any size.
func NewWeights(c Config, seed uint64) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	l := NewLayout(c)
	m := &Model{
		Config:  c,
		Layout:  l,
		Frozen:  make([]bool, len(l.Groups)),
		Touched: make([]bool, len(l.Groups)),
	}
	m.Params = views(l, make([]float32, l.Size), c)
	m.Init(seed)
	return m, nil
}
