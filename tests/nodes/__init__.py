"""``node(id)``: every node type, under the one visibility rule."""
