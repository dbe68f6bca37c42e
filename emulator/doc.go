// Package emulator is an in-process Exchange Online + Entra ID emulator (DESIGN §6).
package emulator
