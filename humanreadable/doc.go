// Package humanreadable renders records as the markdown an analyst reads in the War Room.
// It is pure: no I/O, no clock.
package humanreadable
