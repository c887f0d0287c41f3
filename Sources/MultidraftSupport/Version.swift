/// The toolkit's version, written into experiment tables.
package let multidraftVersion = "0.1.0"
