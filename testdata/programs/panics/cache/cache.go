// Package cache has an unsynchronised map written from two goroutines.
package cache

type Cache struct {
	entries map[int]int
}

func New() *Cache { return &Cache{entries: map[int]int{}} }

// Fill writes keys forever once start is closed.
func (c *Cache) Fill(base int, ready func(), start <-chan struct{}) {
	ready()
	<-start
	for i := 0; ; i++ {
		c.entries[base+i%1000] = i
	}
}
