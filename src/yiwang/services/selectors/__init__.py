"""selectors of 一网通办, split by subject: catalogue (事项目录), applications (办件), statistics."""
