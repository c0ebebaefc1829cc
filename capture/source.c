/* placeholder: implemented in its module's first commit */
