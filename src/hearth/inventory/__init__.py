"""Inventory: ingredients and their units, recipes, stock moves from the journal, stocktake,
low stock and dishes sold out by themselves when an ingredient runs out."""
